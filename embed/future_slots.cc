#include "future_slots.h"

#include <structmember.h>

#include <stdexcept>

#include "module_support.h"

namespace charmpy {

FutureSlots& futureSlots() {
  static FutureSlots slots;
  return slots;
}

bool FutureSlots::install(PyObject* cls, PyObject* live, PyObject* pe, PyObject* module) {
  static const char* const names[kSlots] = {"pe",      "fid",      "num_vals",   "_values",  "_done",
                                            "_exc",    "_waiters", "_callbacks", "_discard", "_owned"};
  if (!PyType_Check(cls) || !PyDict_CheckExact(live) || !PyLong_CheckExact(pe) || !PyDict_Check(module)) {
    PyErr_SetString(PyExc_TypeError, "charmpy: FutureSlots needs the Future class, its live dict and the PE");
    return false;
  }
  Py_ssize_t offsets[kSlots];
  for (int s = 0; s < kSlots; ++s) {
    PyRef descr = PyRef::steal(PyObject_GetAttrString(cls, names[s]));
    if (!descr) return false;
    if (Py_TYPE(descr.get()) != &PyMemberDescr_Type ||
        reinterpret_cast<PyMemberDescrObject*>(descr.get())->d_member->type != T_OBJECT_EX) {
      PyErr_Format(PyExc_TypeError, "charmpy: Future.%s is not a slot", names[s]);
      return false;
    }
    offsets[s] = reinterpret_cast<PyMemberDescrObject*>(descr.get())->d_member->offset;
  }
  if (cls_) return true;  // already installed (a second import): keep the first
  std::copy(offsets, offsets + kSlots, offset_);
  Py_INCREF(cls);
  Py_INCREF(live);
  Py_INCREF(pe);
  Py_INCREF(module);
  module_ = module;
  beforeSuspend_ = PyUnicode_InternFromString("before_suspend");
  if (!beforeSuspend_) return false;
  cls_ = reinterpret_cast<PyTypeObject*>(cls);
  live_ = live;
  pe_ = pe;
  one_ = PyLong_FromLong(1);
  return one_ != nullptr;
}

PyObject* FutureSlots::make() {
  PyRef fid = PyRef::steal(PyLong_FromUnsignedLongLong(embedState().nextFutureId++));
  PyRef values = PyRef::steal(PyList_New(0));
  if (!fid || !values) return nullptr;
  PyRef f = PyRef::steal(cls_->tp_alloc(cls_, 0));
  if (!f) return nullptr;
  PyObject* o = f.get();
  // As Future.__init__ sets them (num_vals=1).
  auto set = [&](Slot s, PyObject* v) {
    Py_INCREF(v);
    at(o, s) = v;
  };
  set(Pe, pe_);
  set(Fid, fid.get());
  set(NumVals, one_);
  at(o, Values) = values.release();
  set(Done, Py_False);
  set(Exc, Py_None);
  set(Waiters, Py_None);
  set(Callbacks, Py_None);
  set(Discard, Py_False);
  set(Owned, Py_True);
  if (PyDict_SetItem(live_, fid.get(), o) < 0) return nullptr;
  return f.release();
}

void FutureSlots::forget(PyObject* future) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);  // may run while an exception is raised
  if (PyDict_DelItem(live_, at(future, Fid)) < 0) PyErr_Clear();
  PyErr_Restore(type, value, traceback);
}

int FutureSlots::deliver(PyObject* f, PyObject* value) {
  if (!cls_ || Py_TYPE(f) != cls_) return 0;
  PyObject* done = at(f, Done);
  if (done == Py_True) return 1;  // `if self._done: return`
  PyObject* values = at(f, Values);
  PyObject* waiters = at(f, Waiters);
  if (done != Py_False || at(f, Discard) != Py_False || at(f, Callbacks) != Py_None ||
      at(f, NumVals) != one_ || !values || !PyList_CheckExact(values) || PyList_GET_SIZE(values) != 0 ||
      !waiters || (waiters != Py_None && !PyList_CheckExact(waiters)))
    return 0;
  // self._values.append(value); self._done = True; _live.pop(self.fid, None)
  if (PyList_Append(values, value) < 0) return -1;
  Py_INCREF(Py_True);
  at(f, Done) = Py_True;
  Py_DECREF(Py_False);
  PyObject* fid = at(f, Fid);
  if (fid && PyDict_DelItem(live_, fid) < 0) {
    if (!PyErr_ExceptionMatches(PyExc_KeyError)) return -1;
    PyErr_Clear();
  }
  // waiters, self._waiters = self._waiters, None; each is resumed (_charmpy.resume)
  if (waiters == Py_None) return 1;
  Py_INCREF(Py_None);
  PyRef list = PyRef::steal(waiters);  // the slot's reference
  at(f, Waiters) = Py_None;
  EmbedState& st = embedState();
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list.get()); ++i) {
    auto* fiber = static_cast<charm::Fiber*>(PyLong_AsVoidPtr(PyList_GET_ITEM(list.get(), i)));
    if (!fiber) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "charmpy: resume() needs a fiber handle");
      return -1;
    }
    // _charmpy.resume(fiber) stores None as the value its suspend returns;
    // a fiber with no value stored gets None as well.
    auto stored = st.resumeValues.find(fiber);
    if (stored != st.resumeValues.end()) stored->second = PyRef::borrow(Py_None);
    try {
      rt().scheduler().resume(fiber);
    } catch (const std::logic_error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
      return -1;
    }
  }
  return 1;
}

int FutureSlots::wait(PyObject* f) {
  if (!cls_ || Py_TYPE(f) != cls_) return 0;
  charm::FiberPool& pool = rt().scheduler().pool();
  PyObject* waiters = at(f, Waiters);
  if (!pool.inFiber() || !waiters || (waiters != Py_None && !PyList_CheckExact(waiters))) return 0;
  // about_to_wait(): the start-up phase's hook, if still set
  PyObject* hook = PyDict_GetItemWithError(module_, beforeSuspend_);
  if (!hook && PyErr_Occurred()) return -1;
  if (hook && hook != Py_None) {
    PyRef r = PyRef::steal(PyObject_CallNoArgs(hook));
    if (!r) return -1;
  }
  auto isDone = [&]() -> int {
    PyObject* done = at(f, Done);
    if (done == Py_True) return 1;
    if (done == Py_False) return 0;
    if (!done) {
      PyErr_SetString(PyExc_AttributeError, "_done");
      return -1;
    }
    return PyObject_IsTrue(done);
  };
  int done = isDone();
  if (done != 0) return done < 0 ? -1 : 1;
  PyRef fiber = PyRef::steal(PyLong_FromVoidPtr(pool.current()));
  if (!fiber) return -1;
  waiters = at(f, Waiters);  // the hook may have run anything
  if (waiters == Py_None || !waiters) {
    PyObject* list = PyList_New(1);
    if (!list) return -1;
    PyList_SET_ITEM(list, 0, fiber.release());
    Py_XDECREF(waiters);
    at(f, Waiters) = list;
  } else if (PyList_CheckExact(waiters)) {
    if (PyList_Append(waiters, fiber.get()) < 0) return -1;
  } else {
    PyRef r = PyRef::steal(PyObject_CallMethod(waiters, "append", "O", fiber.get()));
    if (!r) return -1;
  }
  PyRef keep = PyRef::borrow(f);
  while ((done = isDone()) == 0) {
    PyRef r = PyRef::steal(suspendRunningFiber(f));
    if (!r) return -1;
  }
  return done < 0 ? -1 : 1;
}

PyObject* FutureSlots::get(PyObject* f) {
  if (!cls_ || Py_TYPE(f) != cls_) return nullptr;
  PyObject* done = at(f, Done);
  if (done != Py_True) {
    // not done: only the owner waits (Python raises the error for the others)
    if (done != Py_False || at(f, Owned) != Py_True) return nullptr;
    if (wait(f) <= 0) return nullptr;  // declined (Python's _suspend_until), or an error
  }
  // The exception or the list to give, and exception values: Python's.
  if (at(f, Exc) != Py_None || at(f, NumVals) != one_) return nullptr;
  PyObject* values = at(f, Values);
  if (!values || !PyList_CheckExact(values) || PyList_GET_SIZE(values) < 1) return nullptr;
  PyObject* value = PyList_GET_ITEM(values, 0);
  if (PyExceptionInstance_Check(value)) return nullptr;
  return Py_NewRef(value);
}

}  // namespace charmpy
