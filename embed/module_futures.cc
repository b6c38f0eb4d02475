// `_charmpy` functions for what suspends and resumes: Python futures (values
// arriving for them, sent to them), fibers, timers and quiescence detection.
#include <cstring>
#include <string>

#include "fiber_thread_states.h"
#include "message_object.h"
#include "module_support.h"
#include "python_chare.h"
#include "runtime/collection.h"
#include "runtime/registry.h"

namespace charmpy {

// Delivers a Python future's value message (scheduler context).
void deliverFutureMessage(charm::MessageBuffer message) {
  EmbedState& st = embedState();
  const charm::Envelope& env = charm::envelopeOf(message);
  const auto format = static_cast<FutureFormat>(env.flags & kFutureFormatMask);
  const bool wantList = env.flags & kWantList;
  const std::uint64_t fid = env.reply.id;
  PyRef value;
  bool isException = false;
  bool listWithFailures = false;  // a ret=True broadcast's list where some elements raised
  switch (format) {
    case FutureFormat::ByReference: {
      PyObject* raw = nullptr;
      std::memcpy(&raw, charm::payloadOf(message), sizeof raw);
      value = PyRef::steal(raw);
      break;
    }
    case FutureFormat::None:
      value = PyRef::borrow(Py_None);
      break;
    case FutureFormat::Gathered: {
      // (ok, value) pickles in element order. As in charm4py, ret=True gives the list
      // of values with each failed element's exception in its place; awaitable=True
      // gives None, or raises the first failure.
      const auto items = charm::unpackAs<std::vector<std::string>>(charm::payloadOf(message),
                                                                   charm::payloadSizeOf(message));
      PyRef list = PyRef::steal(PyList_New(static_cast<Py_ssize_t>(items.size())));
      PyRef failed;  // ret=True: positions of the failures, if any
      if (!list) abortWithPythonError("gathering a broadcast's replies");
      for (std::size_t i = 0; i < items.size(); ++i) {
        PyRef item = st.codec.loadsBytes(items[i].data(), items[i].size());
        if (!item) abortWithPythonError("unpickling a broadcast reply");
        if (!PyTuple_Check(item.get()) || PyTuple_GET_SIZE(item.get()) != 2) {
          PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload (a reply is no (ok, value) pair)");
          abortWithPythonError("unpickling a broadcast reply");
        }
        PyObject* v = PyTuple_GET_ITEM(item.get(), 1);
        if (PyTuple_GET_ITEM(item.get(), 0) == Py_False) {
          if (!wantList) {
            isException = true;
            value = PyRef::borrow(v);
            break;
          }
          if (!failed) failed = PyRef::steal(PyList_New(0));
          PyRef position = PyRef::steal(PyLong_FromSize_t(i));
          if (!failed || !position || PyList_Append(failed.get(), position.get()) < 0)
            abortWithPythonError("gathering a broadcast's replies");
        }
        Py_INCREF(v);
        PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), v);
      }
      if (failed) {
        // The failures arrive as (exception, traceback text, type name): the package
        // turns them into the exceptions themselves.
        value = PyRef::steal(PyTuple_Pack(2, list.get(), failed.get()));
        if (!value) abortWithPythonError("gathering a broadcast's replies");
        listWithFailures = true;
      } else if (!isException) {
        value = wantList ? list : PyRef::borrow(Py_None);
      }
      break;
    }
    case FutureFormat::Fast: {
      charm::InvokeContext ctx;
      ctx.payload = charm::payloadOf(message);
      ctx.payloadSize = charm::payloadSizeOf(message);
      ctx.adoptable = &message;
      ctx.flags = kCallFast;
      PyRef call = decodeCall(ctx);
      if (call && PyTuple_GET_SIZE(PyTuple_GET_ITEM(call.get(), 0)) != 1) {
        PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload (a future's value is no 1-tuple)");
        call = PyRef();
      }
      if (!call) abortWithPythonError("unpacking a future's value");
      value = PyRef::borrow(PyTuple_GET_ITEM(PyTuple_GET_ITEM(call.get(), 0), 0));
      break;
    }
    case FutureFormat::Reduction: {
      const auto items = charm::unpackAs<std::vector<std::string>>(charm::payloadOf(message),
                                                                   charm::payloadSizeOf(message));
      PyRef list = PyRef::steal(PyList_New(static_cast<Py_ssize_t>(items.size())));
      for (std::size_t i = 0; i < items.size(); ++i) {
        PyRef item = st.codec.loadsBytes(items[i].data(), items[i].size());
        if (!item) abortWithPythonError("unpickling a reduction contribution");
        PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), item.release());
      }
      if (!st.reductionDone) abortWithPythonError("a reduction completed but no reduction_done hook is set");
      PyObject* rargs[] = {list.get()};
      PyRef r = PyRef::steal(PyObject_Vectorcall(st.reductionDone.get(), rargs, 1, nullptr));
      if (!r) handleUncaught("delivering a reduction's result");
      return;
    }
    case FutureFormat::NumericReduction: {
      const std::byte* payload = charm::payloadOf(message);
      const std::size_t size = charm::payloadSizeOf(message);
      std::uint64_t tagLength = 0;
      if (size < sizeof tagLength) abortWithPythonError("a corrupt reduction result");
      std::memcpy(&tagLength, payload, sizeof tagLength);
      if (tagLength > size - sizeof tagLength) abortWithPythonError("a corrupt reduction result");
      PyRef tag = PyRef::steal(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(payload + sizeof tagLength),
                                                         static_cast<Py_ssize_t>(tagLength)));
      const std::size_t resultOffset = static_cast<std::size_t>(payload - message.data()) + sizeof tagLength + tagLength;
      const std::size_t resultSize = size - sizeof tagLength - static_cast<std::size_t>(tagLength);
      PyRef owner = wrapMessage(std::move(message));
      PyRef result = owner ? viewOf(owner.get(), resultOffset, resultSize) : PyRef();
      if (!tag || !result || !st.numericReductionDone) abortWithPythonError("delivering a reduction's result");
      PyObject* rargs[] = {tag.get(), result.get()};
      PyRef r = PyRef::steal(PyObject_Vectorcall(st.numericReductionDone.get(), rargs, 2, nullptr));
      if (!r) handleUncaught("delivering a reduction's result");
      return;
    }
    case FutureFormat::Exception:
      isException = true;
      [[fallthrough]];
    case FutureFormat::Pickled: {
      std::uint8_t noFlags = 0;
      charm::InvokeContext ctx;
      ctx.payload = charm::payloadOf(message);
      ctx.payloadSize = charm::payloadSizeOf(message);
      ctx.adoptable = &message;
      ctx.flags = noFlags;
      value = decodeCall(ctx);
      if (!value) abortWithPythonError("unpickling a future's value");
      break;
    }
  }
  PyRef fidObj = PyRef::steal(PyLong_FromUnsignedLongLong(fid));
  // deliver_future(fid, value, kind): kind 0 a value, 1 an exception, 2 (list,
  // failed positions) of a ret=True broadcast where some elements raised.
  PyRef kind = PyRef::steal(PyLong_FromLong(listWithFailures ? 2 : isException ? 1 : 0));
  PyObject* args[] = {fidObj.get(), value.get(), kind.get()};
  PyRef r = PyRef::steal(PyObject_Vectorcall(st.deliverFuture.get(), args, 3, nullptr));
  if (!r) handleUncaught("delivering a future's value");
}

void raiseUndeliverable(const charm::Envelope& env, const std::string& reason) {
  EmbedState& st = embedState();
  std::string cls = "?", method = "?";
  if (auto it = st.entries.find(env.entry); it != st.entries.end()) {
    const PythonEntry& entry = it->second;
    cls = reinterpret_cast<PyTypeObject*>(entry.cls.get())->tp_name;
    if (entry.methodName) method = PyUnicode_AsUTF8(entry.methodName.get());
  }
  const std::string index = env.index.toString();
  const std::string text = cls + "[" + index + "]." + method + "(): element " + index + " of the array of " +
                           cls + " (collection " + std::to_string(env.collection) + ") " + reason +
                           ", so the call cannot be delivered";
  // (exception, traceback text, type name), as an entry method's failure arrives.
  PyRef error = PyRef::steal(PyObject_CallFunction(PyExc_LookupError, "s", text.c_str()));
  const std::string where = "raised by the charmpy runtime on PE " + std::to_string(st.runtime->myPe()) +
                            ", the element's home";
  PyRef failure =
      error ? PyRef::steal(Py_BuildValue("(Oss)", error.get(), where.c_str(), "LookupError")) : PyRef();
  if (!failure || !sendFutureValue(env.reply, failure.get(), FutureFormat::Exception))
    abortWithPythonError("raising an undeliverable call at its future: " + text);
}

PyObject* py_send_future(PyObject*, PyObject* args) {
  int pe, isException = 0;
  unsigned long long fid;
  PyObject* value;
  if (!PyArg_ParseTuple(args, "iKO|p", &pe, &fid, &value, &isException)) return nullptr;
  if (pe < 0 || pe >= rt().numPes())
    return fail(PyExc_IndexError, "charmpy: future owner PE " + std::to_string(pe) + " is out of range");
  if (!sendFutureValue(charm::FutureRef{pe, fid}, value,
                       isException ? FutureFormat::Exception : FutureFormat::Pickled))
    return nullptr;
  Py_RETURN_NONE;
}

PyObject* py_new_future_id(PyObject*, PyObject*) {
  return PyLong_FromUnsignedLongLong(embedState().nextFutureId++);
}

PyObject* py_spawn(PyObject*, PyObject* args) {
  PyObject *fn, *fargs = nullptr;
  if (!PyArg_ParseTuple(args, "O|O!", &fn, &PyTuple_Type, &fargs)) return nullptr;
  PyRef f = PyRef::borrow(fn), a = fargs ? PyRef::borrow(fargs) : PyRef::steal(PyTuple_New(0));
  return guarded([&] {
    rt().scheduler().spawn([f, a]() mutable {
      PyRef r = PyRef::steal(PyObject_Call(f.get(), a.get(), nullptr));
      if (!r) handleUncaught("a coroutine");
      f = PyRef();
      a = PyRef();
    });
    Py_RETURN_NONE;
  });
}

PyObject* py_current_fiber(PyObject*, PyObject*) {
  return PyLong_FromVoidPtr(rt().scheduler().pool().current());
}

PyObject* py_suspend(PyObject*, PyObject* args) {
  PyObject* what = nullptr;  // what it waits for, named by the deadlock report and SIGUSR1
  if (!PyArg_ParseTuple(args, "|O", &what)) return nullptr;
  charm::FiberPool& pool = rt().scheduler().pool();
  if (!pool.inFiber())
    return fail(PyExc_RuntimeError,
                "charmpy: this call waits, so it must run in a coroutine (the entry function or "
                "a method decorated with @coro)");
  return suspendRunningFiber(what);
}

PyObject* py_note_waiting(PyObject*, PyObject*) {
  embedState().conditionsWaited = true;
  Py_RETURN_NONE;
}

PyObject* suspendRunningFiber(PyObject* what) {
  charm::FiberPool& pool = rt().scheduler().pool();
  charm::Fiber* self = pool.current();
  // A coroutine of a chare that pauses may have made the conditions of calls
  // waiting on that chare true (charm4py re-checks them when a thread pauses).
  if (PyObject* chare = FiberThreadStates::chareOf(self)) recheckWaiting(chare);
  if (what) FiberThreadStates::setWaitingFor(self, what);
  pool.suspend();
  if (what) FiberThreadStates::setWaitingFor(self, nullptr);
  auto& values = embedState().resumeValues;
  auto it = values.find(self);
  if (it == values.end()) Py_RETURN_NONE;
  PyRef v = std::move(it->second);
  values.erase(it);
  return v.release();
}

// [(chare or None, method name or None, what it waits for or None, frame or None)]
// for every coroutine of this PE that is suspended (the running one excluded).
PyObject* py_waiting_coroutines(PyObject*, PyObject*) {
  EmbedState& st = embedState();
  const auto waiting = st.threadStates.suspended(st.runtime->scheduler().pool().current());
  PyRef list = PyRef::steal(PyList_New(0));
  if (!list) return nullptr;
  auto orNone = [](PyObject* o) { return o ? o : Py_None; };
  for (const auto& w : waiting) {
    PyRef frame = PyRef::steal(reinterpret_cast<PyObject*>(PyThreadState_GetFrame(w.state)));
    PyRef item = PyRef::steal(PyTuple_Pack(4, orNone(w.chare), orNone(w.method), orNone(w.waitingFor),
                                           orNone(frame.get())));
    if (!item || PyList_Append(list.get(), item.get()) < 0) return nullptr;
  }
  return list.release();
}

// set_diagnosis(report): `report()` returns this PE's text about its waiting
// coroutines, for the deadlock report; and Python's signal handlers (SIGUSR1's
// report) run whenever the scheduler is idle, not only when Python code runs.
PyObject* py_set_diagnosis(PyObject*, PyObject* report) {
  if (!PyCallable_Check(report)) return fail(PyExc_TypeError, "set_diagnosis takes a function");
  embedState().hooks.setDiagnosis(PyRef::borrow(report));
  Py_RETURN_NONE;
}

PyObject* py_resume(PyObject*, PyObject* args) {
  PyObject *handle, *value = Py_None;
  if (!PyArg_ParseTuple(args, "O|O", &handle, &value)) return nullptr;
  auto* fiber = static_cast<charm::Fiber*>(PyLong_AsVoidPtr(handle));
  if (!fiber) return fail(PyExc_ValueError, "charmpy: resume() needs a fiber handle");
  embedState().resumeValues[fiber] = PyRef::borrow(value);
  try {
    rt().scheduler().resume(fiber);
  } catch (const std::logic_error& e) {
    return fail(PyExc_RuntimeError, e.what());
  }
  // An exception thrown by the resumed fiber's body (abort paths) propagates as C++.
  Py_RETURN_NONE;
}

PyObject* py_after(PyObject*, PyObject* args) {
  double seconds;
  PyObject* fn;
  if (!PyArg_ParseTuple(args, "dO", &seconds, &fn)) return nullptr;
  PyRef f = PyRef::borrow(fn);
  rt().scheduler().after(seconds, [f] {
    PyRef r = PyRef::steal(PyObject_CallNoArgs(f.get()));
    if (!r) handleUncaught("a timer callback");
  });
  Py_RETURN_NONE;
}

// ("future", pe, fid) / ("element", cid, index, pe, entry) / ("broadcast", cid, entry) / ("exit",) / ("ignore",)
bool toCallback(PyObject* t, charm::Callback& out) {
  if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 1) {
    PyErr_SetString(PyExc_TypeError, "charmpy: a callback is a tuple such as ('future', pe, fid)");
    return false;
  }
  const char* kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(t, 0));
  if (!kind) return false;
  const Py_ssize_t n = PyTuple_GET_SIZE(t);
  if (!std::strcmp(kind, "future") && n == 3) {
    out = charm::Callback::toFuture(
        charm::FutureRef{static_cast<std::int32_t>(PyLong_AsLong(PyTuple_GET_ITEM(t, 1))),
                         PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(t, 2))},
        charm::kExternalFutureFlag | static_cast<std::uint8_t>(FutureFormat::None));
  } else if (!std::strcmp(kind, "element") && n == 5) {
    charm::ArrayIndex idx;
    if (!toIndex(PyTuple_GET_ITEM(t, 2), idx, "callback index")) return false;
    out = charm::Callback::toElement(PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(t, 1)), idx,
                                     static_cast<int>(PyLong_AsLong(PyTuple_GET_ITEM(t, 3))),
                                     static_cast<charm::EntryId>(PyLong_AsUnsignedLong(PyTuple_GET_ITEM(t, 4))));
  } else if (!std::strcmp(kind, "broadcast") && n == 3) {
    out = charm::Callback::toBroadcast(PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(t, 1)),
                                       static_cast<charm::EntryId>(PyLong_AsUnsignedLong(PyTuple_GET_ITEM(t, 2))));
  } else if (!std::strcmp(kind, "exit")) {
    out = charm::Callback::exitProgram();
  } else if (!std::strcmp(kind, "ignore")) {
    out = charm::Callback::ignore();
  } else {
    PyErr_Format(PyExc_ValueError, "charmpy: unknown callback %R", t);
    return false;
  }
  return !PyErr_Occurred();
}

PyObject* py_start_qd(PyObject*, PyObject* cb) {
  charm::Callback callback;
  if (!toCallback(cb, callback)) return nullptr;
  rt().quiescence().start(callback);
  Py_RETURN_NONE;
}

}  // namespace charmpy
