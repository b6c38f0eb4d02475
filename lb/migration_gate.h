// The migration cost check: a balancing step moves objects only when it pays.
// A strategy's plan is judged on the runtime side (LbManager, on PE 0), after the
// strategy ran and the state sizes of the objects it wants to move were measured:
//   gain = max PE load now - max PE load under the plan (seconds; the next period is
//          taken to repeat the last one, and PE load = background + its objects);
//   cost = max over PEs of (bytes the PE sends + bytes it receives) x seconds per
//          byte (measured from this job's earlier migrations, else a default).
// A plan skipped at one step loses its gain at every period until a step moves:
// when the strategy keeps proposing the same moves, the gain is counted over the
// periods it has been waiting for (`gainPeriods`: 1 + the consecutive steps that
// skipped an overlapping plan), as a ski rental buys once the rent paid reaches
// the price: a lasting imbalance is fixed after a few periods even when a move
// is slow, a passing one (the noise of a balanced run) never.
// Moves that do not pay for themselves are dropped one at a time (the one whose
// removal raises gain - cost most, lowest object first on ties) while that raises
// gain - cost; if what is left does not gain more than it costs, nothing moves.
// Moves off unavailable PEs are always kept. Pure and deterministic like the
// strategies. Balancing strategies only (isGatedStrategy): RotateLB, RandomLB and
// DummyLB exist to force or test moves. +LBNoMigrationCostCheck turns it off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lb/strategy.h"

namespace charm::lb {

// Before any migration was measured: 1 GB/s counting both ends. Measured on 2 PEs
// (stencil3d, 7.8 MB Python blocks, quiet machine): 1.7-2.3 GB/s once memory is
// reused, 0.25 GB/s in a job's first moves while the OS hands out fresh pages. A
// default of 100 MB/s kept `--imbalance 4` imbalanced for two periods (a 79 ms
// gain judged against 313 ms of cost), far longer than the move took.
constexpr double kDefaultSecondsPerByte = 1e-9;
// A step whose busiest PE moved fewer bytes teaches nothing about bandwidth
// (its migration time is latency).
constexpr std::uint64_t kMinBytesToMeasure = 256 * 1024;
// More proposed moves than this: all or nothing, no pruning (it is quadratic).
constexpr std::size_t kMaxPrunedMoves = 256;

struct GateDecision {
  std::vector<int> assignment;  // the plan to apply: the proposed one, pruned
  std::size_t movesProposed = 0, movesKept = 0;
  double gainProposed = 0, costProposed = 0;  // seconds, of the strategy's plan (gain: per period)
  double gainKept = 0, costKept = 0;          // seconds, of `assignment` (gain: per period)
  double gainPeriods = 1;                     // the gain counts this many times against the cost
  std::uint64_t bytesProposed = 0, bytesKept = 0;  // sum of the moved objects' stateBytes
  std::uint64_t maxPeBytesKept = 0;                // max over PEs of sent + received
  bool pruned() const { return movesKept != movesProposed; }
};

// Max over PEs of background + object loads under `assignment`.
double maxPeLoad(const LbInput& input, const std::vector<int>& assignment);
// Per PE: bytes sent + bytes received under `assignment` (objects' stateBytes).
std::vector<std::uint64_t> peMigrationBytes(const LbInput& input, const std::vector<int>& assignment);
// Seconds to carry out `assignment`'s moves: max of peMigrationBytes x secondsPerByte.
double migrationCost(const LbInput& input, const std::vector<int>& assignment, double secondsPerByte);

// Judges `plan` (a strategy's answer for `input`, checked) as described above.
GateDecision gateMigrations(const LbInput& input, const std::vector<int>& plan, double secondsPerByte,
                            double gainPeriods = 1);

// True when every stage of `strategyName` ("GreedyLB", "GreedyLB,RefineLB") is a
// balancing built-in (GreedyLB, RefineLB, GreedyRefineLB): only those are checked.
bool isGatedStrategy(std::string_view strategyName);

// The bandwidth the next steps assume: each step whose busiest PE moved at least
// kMinBytesToMeasure gives a figure (seconds from the plan leaving PE 0 to every
// PE having its elements, over those bytes); the figure used is their running
// average with weight 1/2 on the newest, kDefaultSecondsPerByte before the first.
// One step's figure swings several-fold on a shared machine, and a job's first
// migrations are often much slower than the later ones (measured: 7.8 MB blocks
// moving in 150-500 ms at the first steps of stencil3d, 4-25 ms later): a
// single step neither sets the figure for good nor is forgotten at once.
class MigrationBandwidth {
 public:
  void record(std::uint64_t maxPeBytes, double seconds) {
    if (maxPeBytes < kMinBytesToMeasure || !(seconds > 0)) return;
    const double figure = seconds / static_cast<double>(maxPeBytes);
    secondsPerByte_ = measured_ ? (secondsPerByte_ + figure) / 2 : figure;
    measured_ = true;
  }
  bool measured() const { return measured_; }
  double secondsPerByte() const { return secondsPerByte_; }

 private:
  bool measured_ = false;
  double secondsPerByte_ = kDefaultSecondsPerByte;
};

// The +LBDebug text, e.g. "migration cost check: 1 move of 1.0 MB gains 0.300 ms,
// costs 10.0 ms at 100 MB/s: skipped".
std::string describe(const GateDecision& decision, double secondsPerByte, bool measured);

}  // namespace charm::lb
