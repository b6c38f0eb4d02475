// FutureSlots: charmpy.futures.Future objects made and resolved from C, for hot
// paths that make one future per call (an allreduce of a number makes one per
// element per round). make() gives the object Future() gives (same class, same
// slot values, registered in futures._live) and deliver() does what
// Future._deliver(value, False) does, without the Python calls. futures.py's
// class and live table are handed over once (reduction.py, through
// _charmpy.allreduce_fast_setup); deliver() declines futures in states it does
// not handle (callbacks, several values, discarded values), for which callers
// use the Python method.
#pragma once

#include "py_ref.h"

namespace charmpy {

class FutureSlots {
 public:
  // `cls` is futures.Future (a class with __slots__), `live` futures._live, `pe`
  // this PE as a Python int, `module` the futures module's dict. False with a Python exception set when the class
  // does not have the slots expected.
  bool install(PyObject* cls, PyObject* live, PyObject* pe, PyObject* module);
  bool ready() const { return cls_ != nullptr; }

  // A new local future of one value, registered in the live table; null with a
  // Python exception set.
  PyObject* make();
  // Drops a future made by make() that will never be set (Future._forget).
  void forget(PyObject* future);
  // Future._deliver(value, False) for a future of this PE: 1 when done here
  // (value stored, waiting fibers resumed), 0 when declined (nothing changed:
  // call the Python method), -1 with a Python exception set.
  int deliver(PyObject* future, PyObject* value);
  // futures._suspend_until(future, ...) for a future of this PE, from a
  // coroutine: calls the about_to_wait hook, then suspends the running fiber
  // until the future is done. 1 when done, 0 when declined (not a Future or
  // not in a coroutine: nothing happened), -1 with a Python exception set.
  int wait(PyObject* future);
  // Future.get() for a local future of one value (Future's exact class): waits
  // (wait above) and returns its value, as a new reference. Null without an
  // exception when declined (an exception to raise, several values, a future of
  // another PE, not in a coroutine, ...: the Python method runs, which does the
  // same checks again); null with a Python exception set on an error.
  PyObject* get(PyObject* future);

 private:
  enum Slot { Pe, Fid, NumVals, Values, Done, Exc, Waiters, Callbacks, Discard, Owned, kSlots };
  PyObject*& at(PyObject* o, Slot s) const {
    return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + offset_[s]);
  }

  // Strong references kept for the life of the process (never released: they
  // may outlive the interpreter's finalisation).
  PyTypeObject* cls_ = nullptr;
  PyObject* live_ = nullptr;
  PyObject* pe_ = nullptr;
  PyObject* one_ = nullptr;
  PyObject* module_ = nullptr;         // futures.__dict__
  PyObject* beforeSuspend_ = nullptr;  // "before_suspend", interned
  Py_ssize_t offset_[kSlots] = {};
};

FutureSlots& futureSlots();

}  // namespace charmpy
