// GreedyRefineLB: GreedyLB's balance with far fewer migrations.
//
// Rule. Run GreedyLB and take M, the largest load of an available PE in its
// result; the cap is tolerance x M (tolerance 1.05 by default). Then build two
// candidate placements, each starting from the background and non-migratable
// loads:
//   1. going through the migratable objects in a given order, an object stays on
//      its current PE if that PE is available and its load so far plus the
//      object's is at most the cap;
//   2. the objects that could not stay are placed as GreedyLB would, heaviest
//      first onto the least-loaded available PE.
// Candidate A goes through the objects heaviest first (keeps heavy objects, moves
// light ones: little load moved, and the light ones pack well); candidate B
// lightest first (keeps as many objects as fit: fewest objects moved when one
// PE holds far too much). A candidate whose max available-PE load exceeds the
// cap is dropped. The result is, of A, B and the GreedyLB placement itself, the
// one that moves the fewest objects; among equals the lower max load, then A,
// B, GreedyLB in that order. Hence always:
//   max available-PE load <= tolerance x GreedyLB's, and
//   objects moved <= GreedyLB's (usually far fewer: objects that fit stay).
//
// Last, with communication in the input, refineCommunication (comm_refine.h)
// swaps which objects move for ones that talk more to their new PE: as many
// moves, less traffic between PEs, max load at most halfway from the chosen
// placement's max to the cap (so still within the cap).
//
// Use it as the default balancer for programs whose load changes unevenly
// between steps: nearly Greedy's balance, migrations only where needed.
// Cost: about three times GreedyLB's, O(n log n + n log p).
#pragma once

#include "lb/strategy.h"

namespace charm::lb {

class GreedyRefineLB : public Strategy {
 public:
  // 5%: measured loads vary that much between periods on a busy machine, and a
  // reshuffle promising less (2% was the default before) moved objects at most
  // steps of a balanced run, back and forth, each move costing more than it saved.
  static constexpr double kDefaultTolerance = 1.05;

  // tolerance >= 1 (smaller values are taken as 1).
  explicit GreedyRefineLB(double tolerance = kDefaultTolerance);
  const char* name() const override { return "GreedyRefineLB"; }
  std::vector<int> assign(const LbInput& input) override;

 private:
  double tolerance_;
};

}  // namespace charm::lb
