#include "runtime/deadlock_detector.h"

#include <cstdio>

#include "runtime/runtime.h"

namespace charm {

void DeadlockDetector::maybeCheck() {
  const Clock::time_point now = Clock::now();
  if (now < nextCheck_) return;
  nextCheck_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_ / 4));
  checking_ = true;
  const bool confirm =
      haveCandidate_ && std::chrono::duration<double>(now - candidateSince_).count() >= timeout_ * 3 / 4;
  if (confirm)
    runtime_.quiescence().probe([this](bool, const QuiescenceDetector::Counts& totals) { confirmed(totals); },
                                /*withReports=*/true);
  else
    runtime_.quiescence().probe(
        [this](bool quiescent, const QuiescenceDetector::Counts& totals) { probed(quiescent, totals); });
}

void DeadlockDetector::probed(bool quiescent, const QuiescenceDetector::Counts& totals) {
  checking_ = false;
  if (!quiescent || totals.suspendedFibers == 0 || totals.pendingTimers > 0) {
    haveCandidate_ = false;
    return;
  }
  if (haveCandidate_ && totals.sent == candidate_.sent && totals.processed == candidate_.processed) return;
  haveCandidate_ = true;
  candidate_ = totals;
  candidateSince_ = Clock::now();
}

void DeadlockDetector::confirmed(const QuiescenceDetector::Counts& totals) {
  checking_ = false;
  haveCandidate_ = false;
  // Equal totals: no PE sent or processed a message since the candidate's quiet
  // waves, and no timer could have run (none was pending). Else something moved.
  if (totals.active || totals.sent != candidate_.sent || totals.processed != candidate_.processed ||
      totals.suspendedFibers == 0 || totals.pendingTimers > 0)
    return;
  std::string text;
  for (const auto& [pe, report] : totals.reports) text += report;
  std::fprintf(stderr,
               "charm: deadlock: the job has been quiescent for %.1f s (no message in flight, no timer "
               "pending, every PE idle) while %llu coroutine(s) wait; nothing can wake them:\n%s",
               std::chrono::duration<double>(Clock::now() - candidateSince_).count(),
               static_cast<unsigned long long>(totals.suspendedFibers), text.c_str());
  runtime_.abort("deadlock: coroutines wait for what no one will send (see above); "
                 "+deadlockTimeout S changes the delay, 0 turns this check off");
}

}  // namespace charm
