// FiberThreadStates: gives every fiber its own PyThreadState, so each Python
// coroutine has its own frame stack and exception state. Installed as the fiber
// pool's switch hooks: switching into a fiber swaps its thread state in, switching
// out swaps the scheduler's back. Thread states are pooled (creating one costs
// ~0.3 us) and cleared when their fiber's body has finished.
//
// It also remembers, per fiber, the chare whose coroutine entry method the fiber
// runs (if any), so that a suspension can re-check the calls waiting on that
// chare's state (@when, Chare.wait): charm4py flushes them when a coroutine pauses.
//
// For diagnosis (the deadlock report, SIGUSR1), it also keeps, per fiber, the
// entry method it runs and what it waits for while suspended (set at suspension
// only), and lists the suspended ones with their Python frames.
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
  // `method` (borrowed, kept alive by the entry table): the entry method's name.
  static void setChare(charm::Fiber* fiber, PyObject* chare, PyObject* method = nullptr) noexcept;
  // What `fiber` waits for while suspended (a new reference is kept; nullptr: nothing).
  static void setWaitingFor(charm::Fiber* fiber, PyObject* what) noexcept;

  struct Waiting {
    PyObject* chare;       // borrowed; nullptr outside a chare's entry method
    PyObject* method;      // borrowed; nullptr when unknown
    PyObject* waitingFor;  // borrowed; nullptr when not recorded
    PyThreadState* state;  // its frames: PyThreadState_GetFrame
  };
  // The fibers with Python code started and not finished, except `running` (the
  // fiber running now, if any): suspended, or resumed and about to run.
  std::vector<Waiting> suspended(const charm::Fiber* running) const;

 private:
  // What a fiber owns of Python: the fiber pool's user-data pointer points here.
  struct Slot {
    PyThreadState* state = nullptr;
    const charm::Fiber* fiber = nullptr;  // while in use
    PyObject* chare = nullptr;
    PyObject* method = nullptr;
    PyObject* waitingFor = nullptr;  // owned
  };

  static void switchedIn(charm::Fiber* fiber, void* self);
  static void switchingOut(charm::Fiber* fiber, void* self);

  PyThreadState* scheduler_ = nullptr;
  std::vector<Slot*> idle_;  // cleared slots of finished fibers, their thread states kept
  std::vector<Slot*> all_;   // every slot ever made (few: they are pooled)
};

}  // namespace charmpy
