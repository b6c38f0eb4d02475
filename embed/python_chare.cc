#include "python_chare.h"

#include <chrono>
#include <cstring>
#include <string>

#include "message_object.h"
#include "module_support.h"
#include "numpy_arrays.h"
#include "charm/reducer.h"
#include "runtime/chare_internals.h"

namespace charmpy {

PyRef indexToTuple(const charm::ArrayIndex& index) {
  PyRef t = PyRef::steal(PyTuple_New(index.ndims));
  for (int d = 0; d < index.ndims; ++d) PyTuple_SET_ITEM(t.get(), d, PyLong_FromLong(index[d]));
  return t;
}

namespace {

std::string describe(PyObject* obj, const PythonEntry& entry) {
  std::string s = Py_TYPE(obj)->tp_name;
  if (entry.methodName) s += std::string(".") + PyUnicode_AsUTF8(entry.methodName.get());
  return s;
}

// Runs one entry-method call and routes its result (or exception).
// `origin`: the invocation's context (its payload already decoded into args and
// kwargs, which may be null).
void runCall(charm::ChareBase* chare, PyRef object, const PythonEntry& entry, const PyRef& argsRef,
             const PyRef& kwargsRef, const charm::InvokeContext& origin) {
  const charm::FutureRef reply = origin.reply;
  EmbedState& st = embedState();
  PyObject* args = argsRef.get();
  PyObject* kwargs = kwargsRef.get();
  PyRef result;
  const Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  if (entry.function && Py_TYPE(object.get()) == reinterpret_cast<PyTypeObject*>(entry.cls.get()) &&
      nargs < 15) {
    // The cached function with self prepended: no lookup, no bound method.
    PyObject* stack[16];
    stack[0] = object.get();
    for (Py_ssize_t i = 0; i < nargs; ++i) stack[i + 1] = PyTuple_GET_ITEM(args, i);
    const std::size_t n = static_cast<std::size_t>(nargs) + 1;
    // Without keyword arguments, the function's vectorcall itself (VectorcallDict
    // would only look at the absent dict and call it).
    result = PyRef::steal(kwargs ? PyObject_VectorcallDict(entry.function.get(), stack, n, kwargs)
                                 : PyObject_Vectorcall(entry.function.get(), stack, n, nullptr));
  } else {
    PyRef method = PyRef::steal(PyObject_GetAttr(object.get(), entry.methodName.get()));
    if (method) result = PyRef::steal(PyObject_Call(method.get(), args, kwargs));
  }
  recheckWaiting(object.get());
  if (!result && PyErr_ExceptionMatches(PyExc_SystemExit)) {
    handleUncaught(describe(object.get(), entry));
    return;
  }
  if (!reply.valid()) {
    if (!result) handleUncaught("entry method " + describe(object.get(), entry));
    return;
  }
  if (!origin.broadcast) {
    if (!result || !sendFutureValue(reply, result.get(), FutureFormat::Pickled))
      sendFutureValue(reply, takeExceptionForFuture().get(), FutureFormat::Exception);
    return;
  }
  // A broadcast with a reply: every element contributes (ok, value) to a gather
  // whose result goes to the future, so exceptions reach the caller too.
  PyRef failure = result ? PyRef() : takeExceptionForFuture();  // (exception, text, type name)
  PyRef item = result ? PyRef::steal(Py_BuildValue("(OO)", Py_True, result.get()))
                      : PyRef::steal(Py_BuildValue("(OO)", Py_False, failure.get()));
  PyRef pickled = item ? st.codec.dumpsInBand(item.get()) : PyRef();
  if (!pickled) {
    PyErr_Clear();
    if (failure && PyTuple_Check(failure.get()) && PyTuple_GET_SIZE(failure.get()) == 3) {
      // The exception object itself does not pickle: send its text and type name.
      item = PyRef::steal(Py_BuildValue("(O(OOO))", Py_False, Py_None, PyTuple_GET_ITEM(failure.get(), 1),
                                        PyTuple_GET_ITEM(failure.get(), 2)));
    } else {
      PyRef text = PyRef::steal(PyUnicode_FromString("the return value could not be pickled"));
      item = PyRef::steal(Py_BuildValue("(O(OOs))", Py_False, Py_None, text.get(), "PicklingError"));
    }
    pickled = item ? st.codec.dumpsInBand(item.get()) : PyRef();
    if (!pickled) abortWithPythonError("pickling a broadcast reply");
  }
  std::string bytes(PyBytes_AS_STRING(pickled.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(pickled.get())));
  const std::uint8_t format = charm::kExternalFutureFlag |
                              static_cast<std::uint8_t>(FutureFormat::Gathered) |
                              ((origin.flags & kReplyGathered) ? kWantList : 0);
  charm::ChareInternals::contributeBroadcastReply(*chare, origin, charm::ReductionValue::gather(charm::ChareInternals::replyGatherKey(*chare, origin), bytes),
                                  charm::Callback::toFuture(reply, format));
}

// Runs `call` as entry `id`: with profiling on, times it and attributes the bytes
// it sends to it.
template <class F>
void profiledCall(charm::EntryId id, F&& call) {
  EmbedState& st = embedState();
  if (!st.profiling) {
    call();
    return;
  }
  const charm::EntryId outer = st.runningEntry;
  st.runningEntry = id;
  const auto t0 = std::chrono::steady_clock::now();
  call();
  st.profile[id].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.runningEntry = outer;
}

}  // namespace

PyRef instanceAttribute(PyObject* object, PyObject* name) {
  PyObject *errType = nullptr, *errValue = nullptr, *errTrace = nullptr;
  const bool pending = PyErr_Occurred() != nullptr;
  if (pending) PyErr_Fetch(&errType, &errValue, &errTrace);
  PyObject* value = nullptr;
  PyTypeObject* type = Py_TYPE(object);
  if (type->tp_getattro == PyObject_GenericGetAttr && !_PyType_Lookup(type, name)) {
    // No class attribute of that name: the generic lookup reads only the object's
    // own attributes, from its inline values when it has no __dict__ yet.
#if PY_VERSION_HEX >= 0x030D0000
    if (PyObject_GetOptionalAttr(object, name, &value) < 0) PyErr_Clear();
#else
    if (_PyObject_LookupAttr(object, name, &value) < 0) PyErr_Clear();
#endif
  } else if (PyObject** dict = _PyObject_GetDictPtr(object); dict && *dict) {
    value = Py_XNewRef(PyDict_GetItemWithError(*dict, name));
    if (!value) PyErr_Clear();
  }
  if (pending) PyErr_Restore(errType, errValue, errTrace);
  return PyRef::steal(value);
}

// Keeps a pending exception of the call intact.
void recheckWaiting(PyObject* object) {
  EmbedState& st = embedState();
  if (!st.conditionsWaited || !st.recheckWaiting || !st.waitingKey) return;
  PyRef waiting = instanceAttribute(object, st.waitingKey.get());
  if (!waiting || !PyList_Check(waiting.get()) || PyList_GET_SIZE(waiting.get()) == 0) return;
  PyObject *type, *value, *trace;
  PyErr_Fetch(&type, &value, &trace);
  PyObject* args[] = {object};
  PyRef r = PyRef::steal(PyObject_Vectorcall(st.recheckWaiting.get(), args, 1, nullptr));
  if (!r) handleUncaught("re-checking waiting conditions");
  PyErr_Restore(type, value, trace);
}

void countSent(std::size_t bytes) {
  EmbedState& st = embedState();
  if (st.profiling && st.runningEntry != charm::kNoEntry) st.profile[st.runningEntry].bytesSent += bytes;
}

namespace {

// The payload decoded as it was encoded: the args tuple (fast codec) or the
// pickled object (the (args, kwargs) pair of a call).
PyRef decodePayload(charm::InvokeContext& ctx, bool fast) {
  EmbedState& st = embedState();
  if (fast ? !FastCodec::hasArrays(ctx.payload, ctx.payloadSize)
           : PickleCodec::bufferCount(ctx.payload, ctx.payloadSize) == 0)
    return fast ? st.fast.unpack(ctx.payload, ctx.payloadSize, nullptr, nullptr)
                : st.codec.unpack(ctx.payload, ctx.payloadSize, nullptr, nullptr);
  OwnedPayload owned = ownPayload(ctx);
  if (!owned.owner) return {};
  return fast ? st.fast.unpack(owned.payload, ctx.payloadSize, owned.owner.get(), owned.base)
              : st.codec.unpack(owned.payload, ctx.payloadSize, owned.owner.get(), owned.base);
}

}  // namespace

PyRef decodeCall(charm::InvokeContext& ctx) {
  if (ctx.flags & kCallByReference) {
    PyRef args, kwargs;
    takeByReference(ctx.payload, args, kwargs);
    return PyRef::steal(PyTuple_Pack(2, args.get(), kwargs ? kwargs.get() : Py_None));
  }
  if (ctx.payloadSize == 0) {
    // A callback the runtime fires without data (quiescence detection: an entry of
    // one element or broadcast to a collection) carries no payload at all: the
    // method is called with no argument, as charm4py does.
    return PyRef::steal(Py_BuildValue("(()O)", Py_None));
  }
  const bool fast = ctx.flags & kCallFast;
  PyRef decoded = decodePayload(ctx, fast);
  // The fast codec carries positional args only: rebuild the (args, None) pair.
  if (!fast || !decoded) return decoded;
  return PyRef::steal(PyTuple_Pack(2, decoded.get(), Py_None));
}

void takeByReference(const std::byte* payload, PyRef& args, PyRef& kwargs) {
  PyObject* raw[2];
  std::memcpy(raw, payload, sizeof raw);
  args = PyRef::steal(raw[0]);
  kwargs = PyRef::steal(raw[1]);
}

bool decodeArgs(charm::InvokeContext& ctx, PyRef& args, PyRef& kwargs) {
  if (ctx.flags & kCallByReference) {
    takeByReference(ctx.payload, args, kwargs);
    return true;
  }
  if ((ctx.flags & kCallFast) && ctx.payloadSize != 0) {
    args = decodePayload(ctx, true);  // no (args, None) pair to make and take apart
    kwargs = PyRef();
    return static_cast<bool>(args);
  }
  PyRef call = decodeCall(ctx);
  if (!call) return false;
  args = PyRef::borrow(PyTuple_GET_ITEM(call.get(), 0));
  PyObject* kw = PyTuple_GET_ITEM(call.get(), 1);
  kwargs = kw == Py_None ? PyRef() : PyRef::borrow(kw);
  return true;
}

std::size_t receivedBytes(const charm::InvokeContext& ctx) {
  // A by-reference call with arrays copied at the call: the size of their encoding
  // follows the two references (module_calls.cc: packCall).
  constexpr std::size_t kReferences = 2 * sizeof(PyObject*);
  std::uint64_t encoded = 0;
  if ((ctx.flags & kCallByReference) && ctx.payloadSize >= kReferences + sizeof encoded)
    std::memcpy(&encoded, ctx.payload + kReferences, sizeof encoded);
  return encoded ? static_cast<std::size_t>(encoded) : ctx.payloadSize;
}

OwnedPayload ownPayload(charm::InvokeContext& ctx) {
  charm::MessageBuffer owned;
  const std::byte* payload = ctx.payload;
  if (ctx.adoptable) {
    owned = std::move(*ctx.adoptable);  // the bytes stay where they are
  } else {
    owned = charm::MessageBuffer::allocate(ctx.payloadSize);
    std::memcpy(owned.data(), ctx.payload, ctx.payloadSize);
    payload = owned.data();
  }
  const std::byte* base = owned.data();
  return {wrapMessage(std::move(owned)), payload, base};
}

void invokePythonEntry(charm::ChareBase* chare, charm::InvokeContext& ctx) {
  EmbedState& st = embedState();
  const PythonEntry& entry = st.entries.at(ctx.entry);
  PyRef object = PyRef::borrow(static_cast<PythonChare*>(chare)->object());
  PyRef args, kwargs;
  if (!decodeArgs(ctx, args, kwargs)) {
    if (ctx.reply.valid() && !ctx.broadcast) {
      sendFutureValue(ctx.reply, takeExceptionForFuture().get(), FutureFormat::Exception);
      return;
    }
    abortWithPythonError("unpacking the arguments of " + describe(object.get(), entry));
  }
  if (st.profiling) {
    EntryProfile& p = st.profile[ctx.entry];
    ++p.calls;
    p.bytesReceived += receivedBytes(ctx);
  }
  const charm::EntryId id = ctx.entry;
  const bool fastArgs = (ctx.flags & kCallFast) && !(ctx.flags & kCallByReference);  // args: FastCodec::unpack's
  charm::InvokeContext origin = ctx;
  origin.payload = nullptr;  // decoded into args and kwargs; the message may be gone when a coroutine runs
  origin.adoptable = nullptr;
  if (!entry.coro) {
    profiledCall(id, [&] { runCall(chare, std::move(object), entry, args, kwargs, origin); });
    if (fastArgs) numpy::keepReceived(args.get());  // small arrays the method let go
    return;
  }
  ++static_cast<PythonChare*>(chare)->runningCoroutines;
  st.runtime->scheduler().spawn([chare, object, &entry, args, kwargs, origin, id]() mutable {
    charm::Fiber* self = embedState().runtime->scheduler().pool().current();
    FiberThreadStates::setChare(self, object.get(), entry.methodName.get());  // both outlive the call below
    profiledCall(id, [&] { runCall(chare, object, entry, args, kwargs, origin); });
    FiberThreadStates::setChare(self, nullptr);
    --static_cast<PythonChare*>(chare)->runningCoroutines;
    // Drop our references while this fiber's thread state is still current.
    object = PyRef();
    args = PyRef();
    kwargs = PyRef();
  });
}

std::unique_ptr<charm::ChareBase> constructPythonChare(charm::InvokeContext& ctx) {
  EmbedState& st = embedState();
  const PythonEntry& entry = st.entries.at(ctx.entry);
  const auto& where = st.runtime->collections().constructionContext();
  PyRef dims = PyRef::borrow(Py_None);
  if (const charm::Collection* c = st.runtime->collections().find(where.collection);
      c && c->kind() == charm::CollectionKind::Array)
    dims = indexToTuple(c->spec().dims);
  PyRef call = decodeCall(ctx);
  if (!call) abortWithPythonError("unpacking constructor arguments");
  PyRef id = PyRef::steal(PyLong_FromUnsignedLongLong(where.collection));
  PyRef index = indexToTuple(where.index);
  PyRef kind = PyRef::steal(PyLong_FromLong(entry.kind));
  PyObject* args[] = {entry.cls.get(), kind.get(), id.get(), index.get(), dims.get(),
                      PyTuple_GET_ITEM(call.get(), 0), PyTuple_GET_ITEM(call.get(), 1)};
  // make_chare gives (object, run_constructor): the object with thisProxy and
  // thisIndex, and what runs its __init__. The runtime's chare exists before
  // __init__ runs, so that a constructor may contribute, allreduce or migrate.
  auto failed = [&entry] {
    handleUncaught(std::string("constructor of ") + reinterpret_cast<PyTypeObject*>(entry.cls.get())->tp_name);
  };
  PyRef made = PyRef::steal(PyObject_Vectorcall(st.makeChare.get(), args, 7, nullptr));
  if (made && (!PyTuple_Check(made.get()) || PyTuple_GET_SIZE(made.get()) != 2)) {
    PyErr_SetString(PyExc_TypeError, "charmpy: the make_chare hook must return (object, run_constructor)");
    made = PyRef();
  }
  if (!made) {
    failed();
    return std::make_unique<PythonChare>(PyRef::borrow(Py_None), entry.migrationEntry);
  }
  auto chare = std::make_unique<PythonChare>(PyRef::borrow(PyTuple_GET_ITEM(made.get(), 0)),
                                             entry.migrationEntry);
  PyRef done = PyRef::steal(PyObject_CallNoArgs(PyTuple_GET_ITEM(made.get(), 1)));
  if (!done) failed();
  return chare;
}

PyRef takeExceptionForFuture() {
  EmbedState& st = embedState();
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb && value) PyException_SetTraceback(value, tb);
  PyRef t = PyRef::steal(type), v = PyRef::steal(value), trace = PyRef::steal(tb);
  PyRef text;
  if (st.formatException && v) {
    PyObject* args[] = {v.get()};
    text = PyRef::steal(PyObject_Vectorcall(st.formatException.get(), args, 1, nullptr));
  }
  if (!text) {
    PyErr_Clear();
    text = PyRef::steal(v ? PyObject_Str(v.get()) : PyUnicode_FromString("unknown error"));
  }
  const char* name = t ? reinterpret_cast<PyTypeObject*>(t.get())->tp_name : "Exception";
  return PyRef::steal(Py_BuildValue("(OOs)", v ? v.get() : Py_None, text.get(), name));
}

bool sendFutureValue(charm::FutureRef reply, PyObject* value, FutureFormat format) {
  EmbedState& st = embedState();
  charm::MessageBuffer m;
  // A value for a future on this PE is the object itself only when that cannot be
  // observed (as for calls): a reply or Future.send carries the value it had then.
  if (reply.pe == st.runtime->myPe() && format == FutureFormat::Pickled && mayShareWithThisPe(value)) {
    m = charm::newMessage(charm::MessageKind::FutureValue, sizeof(PyObject*));
    Py_INCREF(value);
    std::memcpy(charm::payloadOf(m), &value, sizeof value);
    format = FutureFormat::ByReference;
  } else {
    if (format == FutureFormat::Pickled) {
      PyRef one = PyRef::steal(PyTuple_Pack(1, value));
      m = st.fast.pack(one.get(), charm::MessageKind::FutureValue);
      if (m) format = FutureFormat::Fast;
    }
    if (!m) m = st.codec.pack(value, charm::MessageKind::FutureValue);
    if (!m && format == FutureFormat::Exception) {
      // The exception object itself does not pickle: send its text only.
      PyErr_Clear();
      PyRef stripped = PyRef::steal(Py_BuildValue("(OOO)", Py_None, PyTuple_GET_ITEM(value, 1),
                                                  PyTuple_GET_ITEM(value, 2)));
      m = st.codec.pack(stripped.get(), charm::MessageKind::FutureValue);
    }
    if (!m) return false;
  }
  charm::Envelope& env = charm::envelopeOf(m);
  env.reply = reply;
  env.flags = charm::kExternalFutureFlag | static_cast<std::uint8_t>(format);
  st.runtime->send(reply.pe, std::move(m));
  return true;
}

}  // namespace charmpy
