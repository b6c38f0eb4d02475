// Strategy: the plug-in interface of load balancing. A strategy is a pure function
// from measured loads (LbInput) to a new PE for every object; it sends nothing,
// migrates nothing and keeps no state between calls. The runtime side of lb/
// (load database, AtSync, migration) builds the LbInput, runs the strategy chosen
// with +balancer (see strategy_registry.h) and applies the returned placement.
//
// Also here: the checks every strategy shares (checkInput, checkAssignment) and
// LbSummary, the before/after figures printed with +LBDebug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "comm/host_layout.h"

namespace charm::lb {

// One migratable (or pinned) object: an array element or singleton chare.
struct ObjectStats {
  std::uint64_t id = 0;     // unique per object; CommEdge refers to it
  int pe = 0;               // where it is now
  double load = 0;          // seconds of measured wall time since the last LB step (>= 0)
  bool migratable = true;   // false: the object stays on `pe` whatever the strategy
  // Bytes its state takes to move (0: unknown). The runtime fills it in only for
  // the objects a balancing strategy wants to move, after the strategy ran, for
  // the migration cost check (migration_gate.h); strategies see 0.
  std::uint64_t stateBytes = 0;
};

struct PeStats {
  int pe = 0;                   // equals its index in LbInput::pes
  double backgroundLoad = 0;    // seconds not spent in objects (runtime, other programs), >= 0
  bool available = true;        // false: nothing may be moved onto this PE
};

// Communication between two objects since the last LB step (by ObjectStats::id).
struct CommEdge {
  std::uint64_t from = 0, to = 0;
  std::uint64_t messages = 0, bytes = 0;
};

struct LbInput {
  std::vector<PeStats> pes;        // index = PE number; size = number of PEs
  std::vector<ObjectStats> objects;
  std::vector<CommEdge> comm;      // may be empty
  const charm::comm::HostLayout* hosts = nullptr;  // which PEs share a host; may be null
  int coresPerHost = 0;            // cores of a host as hwloc sees PE 0's (0: unknown)
  std::uint64_t seed = 0;          // randomised strategies: same input + seed => same output
};

// A load-balancing algorithm. Implementations must be deterministic: the same
// LbInput (including seed) gives the same result on every PE running the same
// binary, so the runtime may run the strategy on one PE and broadcast the result,
// or on every PE without an exchange.
class Strategy {
 public:
  virtual ~Strategy() = default;

  // The name it is registered under (strategy_registry.h), e.g. "GreedyLB".
  virtual const char* name() const = 0;

  // The new PE of every object, in input order (size == input.objects.size()).
  // Contract, checked by checkAssignment():
  //   - a non-migratable object keeps its PE;
  //   - an object that changes PE goes to an available PE.
  // (An object may stay on an unavailable PE; every built-in except DummyLB moves
  // migratable objects off unavailable PEs when there is an available one.)
  // Throws std::invalid_argument for input that fails checkInput().
  virtual std::vector<int> assign(const LbInput& input) = 0;
};

// Throws std::invalid_argument naming the first problem: pes[i].pe != i, an
// object on a PE outside [0, pes.size()), a negative or non-finite load or
// background load. All built-ins call it first.
void checkInput(const LbInput& input);

// Throws std::logic_error naming the strategy and the first object for which
// `assignment` breaks the Strategy::assign contract (wrong size, a PE out of
// range, a pinned object moved, an object moved to an unavailable PE). The
// runtime should call it on the result of any strategy it did not write.
void checkAssignment(const LbInput& input, const std::vector<int>& assignment,
                     const char* strategyName);

// What a step's strategy is allowed to see, from Charm++'s flags: +LBCommOff (no
// communication graph), +LBNoBackground (no background load), +LBObjOnly (neither
// background load nor the load of non-migratable objects: only what can move counts).
struct InputFilter {
  bool communication = true;
  bool backgroundLoad = true;
  bool pinnedObjectLoad = true;
};

// Applies `filter` to `input` in place: drops the communication graph, zeroes the
// background loads, zeroes the load of non-migratable objects (which stay put).
void filterInput(LbInput& input, const InputFilter& filter);

// The current placement: objects[i].pe for every i.
std::vector<int> currentPlacement(const LbInput& input);

// Load of every PE under `assignment`: background + the loads of its objects.
std::vector<double> peLoads(const LbInput& input, const std::vector<int>& assignment);

// Before/after figures of one LB step. Max is over all PEs; avg is over the
// available PEs (the PEs the work could be spread over) and so is the lower
// bound for the max when everything can move. With no available PE, avg is
// over all PEs.
struct LbSummary {
  int numPes = 0, numAvailablePes = 0;
  std::size_t numObjects = 0;
  double maxLoadBefore = 0, avgLoadBefore = 0;
  double maxLoadAfter = 0, avgLoadAfter = 0;
  int maxPeBefore = -1, maxPeAfter = -1;   // lowest PE with the max load (-1: no PEs)
  std::size_t objectsMoved = 0;
  double loadMoved = 0;                    // sum of the loads of the moved objects

  // max/avg (1 is perfect balance; 1 when avg is 0).
  double imbalanceBefore() const { return avgLoadBefore > 0 ? maxLoadBefore / avgLoadBefore : 1; }
  double imbalanceAfter() const { return avgLoadAfter > 0 ? maxLoadAfter / avgLoadAfter : 1; }
};

LbSummary summarize(const LbInput& input, const std::vector<int>& assignment);

// One line for +LBDebug, e.g.
// "GreedyLB: 4 PEs (4 available), 100 objects, max/avg 3.812/1.000 s -> 1.020/1.000 s
//  (imbalance 3.812 -> 1.020), 75 moved (2.900 s of load)".
std::string describe(const LbSummary& summary, const char* strategyName);

}  // namespace charm::lb
