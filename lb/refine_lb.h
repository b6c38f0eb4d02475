// RefineLB: keeps the current placement and moves as few objects as it can to
// bring every PE under a threshold, overloadFactor x the average load of the
// available PEs (1.05 by default).
//
// Algorithm. First, migratable objects on unavailable PEs are placed greedily
// (heaviest first onto the least-loaded available PE). Then, repeatedly: the
// heaviest available PE above the threshold (the donor, load d) gives one object
// to the least-loaded available PE (the receiver, load r). The object chosen is
// the one that makes max(d - load, r + load) smallest -- the one closest to
// (d - r) / 2 -- and it moves only if that is below d, so every move lowers the
// larger of the two loads and the overall maximum never rises. A donor with no
// such object is left as it is (its load can only get harder to shed, since the
// least-loaded PE only gets heavier) and the next overloaded PE is tried. Stops
// when no available PE above the threshold can give anything. Ties: the donor is
// the higher PE, the receiver the lower PE, the object the earlier one in input
// order.
//
// When it stops, the heaviest available PE is under the threshold, or no object
// on it fits on the least-loaded PE (whose load is at most the average), so
// max <= max(threshold, average + heaviest object, that PE's non-movable load).
//
// Use it at every LB step of a program whose load drifts slowly: it migrates
// little. It does less well than GreedyLB on an imbalance that needs many
// objects to move (everything on one PE, say), since it moves one object at a
// time between the two extreme PEs. Cost: O(n log n + moves x (log n + log p)).
#pragma once

#include "lb/strategy.h"

namespace charm::lb {

class RefineLB : public Strategy {
 public:
  static constexpr double kDefaultOverloadFactor = 1.05;

  // overloadFactor >= 1 (smaller values are taken as 1).
  explicit RefineLB(double overloadFactor = kDefaultOverloadFactor);
  const char* name() const override { return "RefineLB"; }
  std::vector<int> assign(const LbInput& input) override;

 private:
  double overloadFactor_;
};

}  // namespace charm::lb
