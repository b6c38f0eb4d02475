// RandomLB: every migratable object goes to an available PE drawn uniformly at
// random; loads are ignored. The draws come from std::mt19937_64 seeded with
// LbInput::seed, one per migratable object in input order, reduced to a PE
// without bias by rejection (not std::uniform_int_distribution, whose algorithm
// differs between standard libraries), so the same input and seed give the same
// placement on every PE and every platform.
//
// Use it to test migration with irregular patterns, or as a baseline that any real
// balancer must beat. The runtime should vary the seed between LB steps (e.g. the
// step number) so that objects do not follow the same path every time.
#pragma once

#include "lb/strategy.h"

namespace charm::lb {

class RandomLB : public Strategy {
 public:
  const char* name() const override { return "RandomLB"; }
  std::vector<int> assign(const LbInput& input) override;
};

}  // namespace charm::lb
