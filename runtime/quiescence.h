// QuiescenceDetector: tells when no message is in flight or being processed
// anywhere. Every PE counts the messages it sends and processes (QD's own
// messages excluded). PE 0 runs waves down the spanning tree that sum those
// counts; two consecutive waves with equal totals, sent == processed, and no
// activity in between mean quiescence, and PE 0 fires the waiting callbacks.
//
// Waves also sum what the deadlock detector needs (suspended fibers, pending
// timers) and, on request, gather each PE's report of its waiting coroutines: a
// probe (DeadlockDetector's) rides the same waves as the program's own QD.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "charm/callback.h"
#include "charm/detail/message.h"

namespace charm {

class Runtime;

class QuiescenceDetector {
 public:
  explicit QuiescenceDetector(Runtime& runtime) : runtime_(runtime) {}

  void countSent() noexcept {
    ++sent_;
    active_ = true;
  }
  void countProcessed() noexcept {
    ++processed_;
    active_ = true;
  }

  // Any PE: fire `callback` once the whole program is quiescent.
  void start(const Callback& callback);
  void handleStart(MessageBuffer& message);
  // PE 0 only: runs `fn` on the scheduler once the whole program is quiescent
  // (the runtime's own protocols, e.g. ending insertion into sparse arrays).
  void whenQuiescent(std::function<void()> fn);
  void handleWave(MessageBuffer& message);
  void handleReply(MessageBuffer& message);

  // The totals of one wave over every PE.
  struct Counts {
    std::uint64_t sent = 0;
    std::uint64_t processed = 0;
    bool active = false;               // some PE counted a message since the previous wave
    std::uint64_t suspendedFibers = 0;  // coroutines waiting
    std::uint64_t pendingTimers = 0;
    // (PE, its report of waiting coroutines): only in waves that ask for reports.
    std::vector<std::pair<std::int32_t, std::string>> reports;
    void pup(Pup& p) {
      p | sent;
      p | processed;
      p | active;
      p | suspendedFibers;
      p | pendingTimers;
      p | reports;
    }
  };
  // PE 0 only: one round of detection that gives up when a wave (after the
  // first two) sees the program busy, unlike whenQuiescent, which retries until
  // quiescence: a caller that polls costs a few waves per poll. `fn(quiescent,
  // totals)` runs on the scheduler; when the same wave fired the program's own QD
  // callbacks (they make new work), `quiescent` is false and totals.active set. With
  // `withReports`, the next wave asks every PE for its report of waiting
  // coroutines (EmbeddingHooks::waitingReport), found in totals.reports.
  using ProbeResult = std::function<void(bool quiescent, const Counts& totals)>;
  void probe(ProbeResult fn, bool withReports = false);

 private:
  void startDetecting();
  void startWave();
  void reportWave();
  Counts localCounts(bool withReport);

  Runtime& runtime_;
  std::uint64_t sent_ = 0;
  std::uint64_t processed_ = 0;
  bool active_ = false;

  // Per-wave state on every PE.
  std::uint32_t wave_ = 0;
  int repliesMissing_ = 0;
  Counts waveCounts_;

  // PE 0 only.
  std::vector<Callback> waiting_;
  std::vector<std::function<void()>> waitingInternal_;
  struct Probe {
    ProbeResult fn;
    int wavesSeen = 0;
    bool withReports = false;
  };
  std::vector<Probe> probes_;
  bool detecting_ = false;
  bool havePrevious_ = false;
  Counts previous_;
  double retryDelay_ = 0;
};

}  // namespace charm
