// Communication-aware touches for the built-in strategies: how much traffic
// crosses PEs under a placement, and a refinement that picks *which* objects move
// so that less of it does, without moving more objects or raising the max load.
//
// Why: a balancer that sees only loads moves any objects of the right weight. In a
// stencil, moving 12 arbitrary blocks out of 32 equal ones cuts up to 6 faces each
// (every face then crosses PEs: pickled, sent, unpickled); moving the 12 that border
// the other PE's blocks cuts few new ones. Loads alone cannot tell them apart.
#pragma once

#include <vector>

#include "lb/strategy.h"

namespace charm::lb {

// What one edge of the communication graph weighs: its bytes plus 1 KiB a
// message (a message costs about as much as copying 1 KiB, so that many small
// messages count even when their bytes do not).
double commWeight(const CommEdge& edge);

// Total commWeight of the edges whose two objects are on different PEs under
// `assignment` (edges naming unknown objects are ignored).
double crossPeTraffic(const LbInput& input, const std::vector<int>& assignment);

// Improves `assignment` (a strategy's answer for `input`) by swaps: an object the
// assignment moves from PE a to b goes back to a, and an object that stayed on a
// moves to b instead, when that lowers crossPeTraffic and leaves both PEs' loads
// at most max(`loadLimit`, their loads before the swap). Hence it never adds a
// migration, never moves a non-migratable object, and never raises the max load
// above max(loadLimit, the max before). Deterministic; does nothing without
// communication. Cost: a few passes of O(moved objects x neighbours on b).
void refineCommunication(const LbInput& input, std::vector<int>& assignment, double loadLimit);

}  // namespace charm::lb
