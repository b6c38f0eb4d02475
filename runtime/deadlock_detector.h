// DeadlockDetector: ends a job that can never make progress instead of letting
// it hang silently. When the whole job is quiescent (no message in flight, every
// PE idle in its scheduler), no timer is pending anywhere and coroutines (fibers)
// still wait, nothing can ever wake them: PE 0 prints every PE's report of its
// waiting coroutines (what each waits for, where) and aborts the job.
//
// Runs on PE 0 only, from its idle scheduler passes: every timeout/4 it probes
// for quiescence (QuiescenceDetector::probe, a couple of waves that also sum the
// suspended fibers and pending timers of every PE). A quiescent probe with
// fibers waiting and no timer is a candidate; 3/4 timeout later (so the report
// comes at most `timeout` after the job went quiet) a last wave gathers the
// reports and confirms that no message was sent or processed in between
// (the QD totals only grow, so equal totals mean no PE did anything). A PE busy
// in a long computation does not answer waves, so a busy job is never reported.
// Costs nothing on the message path; a few waves per check while PE 0 is idle.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/quiescence.h"

namespace charm {

class Runtime;

class DeadlockDetector {
 public:
  static constexpr double kDefaultTimeoutSeconds = 2.0;

  explicit DeadlockDetector(Runtime& runtime) : runtime_(runtime) {}

  // Seconds of quiescence with waiting coroutines after which the job ends
  // (+deadlockTimeout); 0 turns the detector off.
  void setTimeout(double seconds) noexcept { timeout_ = seconds; }
  double timeout() const noexcept { return timeout_; }

  // PE 0's scheduler found nothing to do: maybe start a check. Looks at the clock
  // only every kPassesPerClockRead passes, so the idle spin keeps polling as fast.
  void idle() {
    if (timeout_ > 0 && !checking_ && ++idlePasses_ % kPassesPerClockRead == 0) maybeCheck();
  }

 private:
  using Clock = std::chrono::steady_clock;
  void maybeCheck();
  void probed(bool quiescent, const QuiescenceDetector::Counts& totals);
  void confirmed(const QuiescenceDetector::Counts& totals);

  static constexpr std::uint32_t kPassesPerClockRead = 64;

  Runtime& runtime_;
  double timeout_ = kDefaultTimeoutSeconds;
  std::uint32_t idlePasses_ = 0;
  bool checking_ = false;     // a probe is in flight
  Clock::time_point nextCheck_{};
  // The quiescent state seen with coroutines waiting, and since when.
  bool haveCandidate_ = false;
  QuiescenceDetector::Counts candidate_;
  Clock::time_point candidateSince_{};
};

}  // namespace charm
