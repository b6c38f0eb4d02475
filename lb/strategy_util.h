// Building blocks shared by the built-in strategies: the available PEs, the loads
// that cannot move, and greedy "heaviest object onto the least-loaded PE"
// placement. Everything is deterministic: ties go to the lower PE number and to
// the earlier object in input order.
#pragma once

#include <cstddef>
#include <vector>

#include "lb/strategy.h"

namespace charm::lb {

// Available PEs, ascending.
std::vector<int> availablePes(const LbInput& input);

// Whether object `o` may be placed by a strategy: migratable, and some PE is
// available to take it.
inline bool movable(const ObjectStats& o, bool anyAvailable) { return o.migratable && anyAvailable; }

// Background load of every PE plus the loads of the objects that cannot move
// (non-migratable ones, or all of them when no PE is available).
std::vector<double> fixedLoads(const LbInput& input);

// Indices of `objects`, heaviest first; equal loads keep input order.
std::vector<std::size_t> heaviestFirst(const LbInput& input, std::vector<std::size_t> objects);

// Places `objects` (indices into input.objects), heaviest first, each on the
// available PE with the least load at that moment (ties: lowest PE), writing
// assignment[i] and adding to peLoad. Needs at least one available PE.
void placeHeaviestFirst(const LbInput& input, const std::vector<std::size_t>& objects,
                        std::vector<double>& peLoad, std::vector<int>& assignment);

}  // namespace charm::lb
