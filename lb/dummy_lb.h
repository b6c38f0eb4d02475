// DummyLB: moves nothing; every object keeps its PE (even on an unavailable PE).
// Use it to measure the cost of an LB step itself (load collection, AtSync,
// resumeFromSync) without any migration, or to switch balancing off by name.
#pragma once

#include "lb/strategy.h"

namespace charm::lb {

class DummyLB : public Strategy {
 public:
  const char* name() const override { return "DummyLB"; }
  std::vector<int> assign(const LbInput& input) override;
};

}  // namespace charm::lb
