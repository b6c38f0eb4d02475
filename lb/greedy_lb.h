// GreedyLB: ignores the current placement and deals the migratable objects out
// again, heaviest first, each onto the available PE with the least load so far
// (a min-heap of PE loads; the loads start at each PE's background load plus its
// non-migratable objects). This is LPT scheduling: the PE that ends up heaviest
// is at most (average load of the available PEs) + (heaviest object), unless a PE
// already starts above that from background/pinned load alone.
//
// Use it for the first balancing of a badly placed program, or when loads change
// completely between steps. It moves almost every object (their new PE owes
// nothing to the old one); when loads drift slowly, RefineLB or GreedyRefineLB
// reach the same balance with far fewer migrations.
// Cost: O(n log n + n log p) for n objects on p PEs.
#pragma once

#include "lb/strategy.h"

namespace charm::lb {

class GreedyLB : public Strategy {
 public:
  const char* name() const override { return "GreedyLB"; }
  std::vector<int> assign(const LbInput& input) override;
};

}  // namespace charm::lb
