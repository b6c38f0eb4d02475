// LbManager: the running side of load balancing, one per PE (a group created at
// start-up). It turns AtSync() calls and +LBPeriod ticks into balancing steps:
//   1. every element of an array created with useAtSync calls AtSync(); an empty
//      reduction over the array (counted at each element's home) tells PE 0;
//   2. PE 0 asks every PE for its loads (the measured wall time of each element
//      since the last step, and its background load: time neither idle nor in
//      the balanced elements) and gathers them;
//   3. PE 0 runs the +balancer strategies (lb/strategy_registry.h) on them; for a
//      balancing strategy, the PEs measure the state sizes of the elements it would
//      move and PE 0 drops the moves that cost more than they gain (migration
//      cost check, lb/migration_gate.h; +LBNoMigrationCostCheck: off); it
//      broadcasts the moves; every PE migrates the elements it must send away;
//   4. once every PE has received the elements sent to it, PE 0 broadcasts
//      resumeFromSync() to the array (AtSync steps only), and every PE starts
//      measuring the loads of the next period. When nothing moves, PE 0 does so
//      right after the plan, without the broadcast of an empty plan and the
//      reduction that would confirm it.
// +LBPeriod s, as in Charm++: arrays not using AtSync (and single chares) are
// balanced every s seconds, elements moving at any time; an AtSync array is
// balanced at most once every s seconds (an AtSync sooner than that resumes its
// elements at once, without a step).
// +LBOff turns balancing off (AtSync resumes at once); +LBDebug N prints each step
// (+LBPrintSummary: the one-line summary); +LBCommOff, +LBNoBackground and
// +LBObjOnly narrow what the strategy sees (InputFilter); Charm++ balancer names
// run their charmpy counterpart, with a note on PE 0 (strategy_registry.h).
// Elements with a suspended coroutine are not moved in that step.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "lb/migration_gate.h"
#include "lb/strategy.h"
#include "charm.h"
#include "runtime/element_key.h"
#include "runtime/runtime.h"

namespace charm::lb {

// One element's load, as gathered to PE 0.
struct ObjectRecord {
  CollectionId collection = 0;
  ArrayIndex index;
  double load = 0;
  bool migratable = true;
  std::int32_t pe = 0;
  void pup(Pup& p) {
    p | collection;
    p | index;
    p | load;
    p | migratable;
    p | pe;
  }
};

// Messages one element on the reporting PE sent another since the last step.
struct CommRecord {
  CollectionId fromCollection = 0, toCollection = 0;
  ArrayIndex from, to;
  std::uint64_t messages = 0, bytes = 0;
  void pup(Pup& p) {
    p | fromCollection;
    p | from;
    p | toCollection;
    p | to;
    p | messages;
    p | bytes;
  }
};

// What one PE reports for a step.
struct PeReport {
  std::int32_t pe = 0;
  double background = 0;
  std::vector<ObjectRecord> objects;
  std::vector<CommRecord> comm;
  void pup(Pup& p) {
    p | pe;
    p | background;
    p | objects;
    p | comm;
  }
};

struct Move {
  CollectionId collection = 0;
  ArrayIndex index;
  std::int32_t from = 0, to = 0;
  void pup(Pup& p) {
    p | collection;
    p | index;
    p | from;
    p | to;
  }
};

// The state sizes of elements a plan would move off one PE (migration cost check):
// moves[k] indexes the step's candidate moves.
struct SizeReport {
  std::int32_t pe = 0;
  std::vector<std::uint32_t> moves;
  std::vector<std::uint64_t> bytes;
  void pup(Pup& p) {
    p | pe;
    p | moves;
    p | bytes;
  }
};

class LbManager : public charm::Group<LbManager>, public LoadBalancerHooks {
 public:
  LbManager();
  ~LbManager() override;

  // LoadBalancerHooks
  void atSync(ChareBase& element) override;
  void elementArrived(CollectionId collection, const ArrayIndex& index) override;
  void collectionDestroyed(CollectionId collection) override;

  // Entry methods.
  void allAtSync(std::uint64_t collection);                        // PE 0
  void collectStats(std::uint64_t collection, std::uint32_t step);  // every PE
  void gotStats(std::vector<PeReport> reports);                    // PE 0
  void measureStates(std::uint32_t step, std::vector<Move> moves); // every PE: sizes of its candidates
  void gotStateSizes(std::vector<SizeReport> reports);             // PE 0
  void applyPlan(std::uint32_t step, std::vector<Move> moves);     // every PE
  void migrationsDone(std::uint64_t step);                         // PE 0
  void startMeasuring();                                           // every PE, when a step ends
  void notComing(std::uint64_t collection, ArrayIndex index);       // a planned move did not happen
  void setInstrumentation(bool on);                                // every PE

  // Steps completed (PE 0), for tests and +LBDebug.
  std::uint32_t stepsDone() const { return stepsDone_; }

 private:
  void startStep(CollectionId collection);  // PE 0
  void sendPlan();                          // PE 0: broadcasts plan_ (after the cost check)
  void finishStep(std::uint64_t step);      // PE 0: every PE has its elements; resumes the array
  void maybeDoneMigrating();
  void tick();                              // PE 0, +LBPeriod

  bool enabled_ = true;
  int debug_ = 0;
  InputFilter filter_;
  double period_ = 0;
  std::unique_ptr<Strategy> strategy_;
  std::string strategyName_;
  int coresPerHost_ = 0;  // PE 0: hwloc's count, read at start-up (a load takes ~5 ms)

  // PE 0: the step running and the arrays waiting for one.
  bool running_ = false;
  std::uint32_t step_ = 0;
  CollectionId stepCollection_ = 0;
  std::deque<CollectionId> waiting_;
  std::uint32_t stepsDone_ = 0;
  double stepStart_ = 0;
  double statsAt_ = 0, planAt_ = 0;
  double firstAtSync_ = 0;  // every PE, +LBDebug 2: when an element first called AtSync in this step  // +LBDebug: when the loads were in, when the plan left
  // With +LBPeriod: when each AtSync array's last step started (Charm++'s meaning
  // for AtSync: the shortest time between two steps of an array).
  std::unordered_map<CollectionId, double> lastAtSyncStep_;
  std::string stepSummary_;
  // PE 0, between the strategy and the broadcast of its plan: the step's input and
  // plan, each object's element, and the objects whose moves wait for their sizes.
  LbInput input_;
  std::vector<int> plan_;
  std::vector<ElementKey> keys_;
  std::vector<std::size_t> candidates_;  // objects (input_ order) whose moves wait for their sizes
  std::vector<Move> candidateMoves_;     // the same moves
  std::uint64_t messages_ = 0;
  double strategyAt_ = 0;
  // The migration cost check (migration_gate.h), PE 0: on for balancing strategies
  // unless +LBNoMigrationCostCheck; seconds per byte assumed (measured once a step
  // moved enough bytes); the busiest PE's bytes in the running step's plan.
  bool gate_ = false;
  MigrationBandwidth bandwidth_;
  std::uint64_t planMaxPeBytes_ = 0;
  // Moves the last step skipped, and how many steps in a row skipped moves the
  // strategy proposed again (their gain counts once more per step waited).
  std::vector<Move> skipped_;
  int skippedSteps_ = 0;
  std::string gateSummary_;

  // Every PE: arrivals expected in the current step, and those seen.
  bool expecting_ = false;
  std::uint32_t expectingStep_ = 0;
  std::unordered_set<ElementKey, ElementKeyHash> expected_;
  std::unordered_set<ElementKey, ElementKeyHash> arrived_;
  std::unordered_set<ElementKey, ElementKeyHash> cancelled_;  // planned moves that will not happen
};

}  // namespace charm::lb
