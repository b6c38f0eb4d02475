// RotateLB: every migratable object moves to the next available PE after its
// own, cyclically: PE p -> the first available PE among p+1, p+2, ... (mod the
// number of PEs). With every PE available that is (p + 1) % numPes. Loads are
// ignored. With a single available PE, objects already on it stay.
//
// Not a balancer: use it to test migration, since every migratable object moves
// at every LB step (when at least two PEs are available) and comes back home
// after as many steps as there are available PEs.
#pragma once

#include "lb/strategy.h"

namespace charm::lb {

class RotateLB : public Strategy {
 public:
  const char* name() const override { return "RotateLB"; }
  std::vector<int> assign(const LbInput& input) override;
};

}  // namespace charm::lb
