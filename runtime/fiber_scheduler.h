// FiberScheduler: the fibers and timers of one PE, as the scheduler loop runs
// them. It owns the FiberPool, the fibers made ready while another fiber ran
// (fibers are resumed only from the scheduler context, never from a fiber), and
// the timers set with after(). Owned by the Runtime (Runtime::scheduler()), whose
// loop calls resumeReady() and runDueTimers() once per pass; nothing here is on
// the per-message path.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "runtime/fiber.h"

namespace charm {

class FiberScheduler {
 public:
  explicit FiberScheduler(std::size_t fiberStackBytes) : pool_(fiberStackBytes) {}

  // The fibers themselves (current fiber, suspend, live count).
  FiberPool& pool() noexcept { return pool_; }
  // Runs `body` on a new fiber, starting now (from the scheduler context) or as
  // soon as the current fiber yields.
  void spawn(std::function<void()> body);
  // Resumes a suspended fiber: now when called from the scheduler context, or as
  // soon as the running fiber suspends.
  void resume(Fiber* fiber);
  // Calls `fn` on the scheduler context after `seconds`.
  void after(double seconds, std::function<void()> fn);
  // Timers (after()) not yet run on this PE.
  std::size_t pendingTimers() const noexcept { return timers_.size(); }

  // --- for the scheduler loop ------------------------------------------------
  // Resumes the fibers made ready from a fiber; false if there were none. An
  // exception escaping a fiber propagates (the Runtime aborts the job with it).
  bool resumeReady();
  // Runs the timers that are due; false if none was.
  bool runDueTimers();

 private:
  struct Timer {
    std::chrono::steady_clock::time_point due;
    std::uint64_t sequence;
    std::function<void()> fn;
    bool operator>(const Timer& o) const {
      return due != o.due ? due > o.due : sequence > o.sequence;
    }
  };

  FiberPool pool_;
  std::vector<Fiber*> ready_;  // made ready from a fiber; resumed by the scheduler
  // The batch resumeReady() is resuming (swapped with ready_: no allocation per
  // pass once both have grown), and whether it is in use (a nested pass, from a
  // scheduler loop run inside a resumed fiber's work, takes a vector of its own).
  std::vector<Fiber*> resuming_;
  bool inResumeReady_ = false;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t timerSequence_ = 0;
};

}  // namespace charm
