// FiberThreadStates: gives every fiber its own PyThreadState, so each Python
// coroutine has its own frame stack and exception state. Installed as the fiber
// pool's switch hooks: switching into a fiber swaps its thread state in, switching
// out swaps the scheduler's back. Thread states are pooled (creating one costs
// ~0.3 us) and cleared when their fiber's body has finished.
#pragma once

#include <vector>

#include "py_ref.h"
#include "runtime/fiber.h"

namespace charmpy {

class FiberThreadStates {
 public:
  // `schedulerState` is the thread state of the scheduler (the main thread).
  void install(charm::FiberPool& pool, PyThreadState* schedulerState);

 private:
  static void switchedIn(charm::Fiber* fiber, void* self);
  static void switchingOut(charm::Fiber* fiber, void* self);

  PyThreadState* scheduler_ = nullptr;
  std::vector<PyThreadState*> idle_;
};

}  // namespace charmpy
