// FiberScheduler: see fiber_scheduler.h.
#include "runtime/fiber_scheduler.h"

namespace charm {

void FiberScheduler::spawn(std::function<void()> body) {
  Fiber* f = pool_.spawn(std::move(body));
  if (pool_.inFiber())
    ready_.push_back(f);  // fibers are resumed only from the scheduler
  else
    pool_.resume(f);
}

void FiberScheduler::resume(Fiber* fiber) {
  if (pool_.inFiber())
    ready_.push_back(fiber);
  else
    pool_.resume(fiber);
}

void FiberScheduler::after(double seconds, std::function<void()> fn) {
  const auto due = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(seconds));
  timers_.push(Timer{due, timerSequence_++, std::move(fn)});
}

bool FiberScheduler::resumeReady() {
  if (ready_.empty()) return false;
  if (inResumeReady_) {  // nested: resuming_ holds the outer pass's batch
    std::vector<Fiber*> ready;
    ready.swap(ready_);
    for (Fiber* f : ready) pool_.resume(f);
    return true;
  }
  // Fibers made ready while these run go to ready_ (the next pass).
  struct Pass {
    FiberScheduler& s;
    explicit Pass(FiberScheduler& self) : s(self) { s.inResumeReady_ = true; }
    ~Pass() {
      s.resuming_.clear();  // keeps its capacity; also when a fiber's exception escapes
      s.inResumeReady_ = false;
    }
  } pass(*this);
  resuming_.swap(ready_);
  for (Fiber* f : resuming_) pool_.resume(f);
  return true;
}

bool FiberScheduler::runDueTimers() {
  if (timers_.empty() || timers_.top().due > std::chrono::steady_clock::now()) return false;
  const auto now = std::chrono::steady_clock::now();
  while (!timers_.empty() && timers_.top().due <= now) {
    std::function<void()> fn = std::move(const_cast<Timer&>(timers_.top()).fn);
    timers_.pop();
    fn();
  }
  return true;
}

}  // namespace charm
