// FiberThreadStates: gives every fiber its own PyThreadState, so each Python
// coroutine has its own frame stack and exception state. Installed as the fiber
// pool's switch hooks: switching into a fiber swaps its thread state in, switching
// out swaps the scheduler's back. Thread states are pooled (creating one costs
// ~0.3 us) and cleared when their fiber's body has finished.
//
// It also remembers, per fiber, the chare whose coroutine entry method the fiber
// runs (if any), so that a suspension can re-check the calls waiting on that
// chare's state (@when, Chare.wait): charm4py flushes them when a coroutine pauses.
#pragma once

#include <vector>

#include "py_ref.h"
#include "runtime/fiber.h"

namespace charmpy {

class FiberThreadStates {
 public:
  // `schedulerState` is the thread state of the scheduler (the main thread).
  void install(charm::FiberPool& pool, PyThreadState* schedulerState);

  // The chare (borrowed) whose coroutine `fiber` runs, or nullptr. Set by the
  // fiber's own body while it runs that chare's entry method.
  static PyObject* chareOf(const charm::Fiber* fiber) noexcept;
  static void setChare(charm::Fiber* fiber, PyObject* chare) noexcept;

 private:
  // What a fiber owns of Python: the fiber pool's user-data pointer points here.
  struct Slot {
    PyThreadState* state = nullptr;
    PyObject* chare = nullptr;
  };

  static void switchedIn(charm::Fiber* fiber, void* self);
  static void switchingOut(charm::Fiber* fiber, void* self);

  PyThreadState* scheduler_ = nullptr;
  std::vector<Slot*> idle_;  // cleared slots of finished fibers, their thread states kept
};

}  // namespace charmpy
