// The built-in module `_charmpy`: the charmpy package's only door into the
// runtime (see python-stdlib-shim/charmpy/_charmpy.pyi for the contract). The hot
// path (send, broadcast, future values) packs arguments in C: by reference for the
// same PE, pickled with out-of-band buffers otherwise.
#include "module.h"

#include <cstdio>
#include <cstring>

#include "message_object.h"
#include "python_chare.h"
#include "runtime/collection.h"
#include "runtime/registry.h"

namespace charmpy {

namespace {

EmbedState* gState = nullptr;

charm::Runtime& rt() { return *embedState().runtime; }

// Python tuple of ints -> ArrayIndex; false with a Python exception set.
bool toIndex(PyObject* tuple, charm::ArrayIndex& out, const char* what) {
  if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) < 1 || PyTuple_GET_SIZE(tuple) > charm::kMaxIndexDims) {
    PyErr_Format(PyExc_TypeError, "charmpy: %s must be a tuple of 1 to 6 ints", what);
    return false;
  }
  out = charm::ArrayIndex();
  out.ndims = static_cast<std::int32_t>(PyTuple_GET_SIZE(tuple));
  for (int d = 0; d < out.ndims; ++d) {
    const long v = PyLong_AsLong(PyTuple_GET_ITEM(tuple, d));
    if (v == -1 && PyErr_Occurred()) return false;
    out[d] = static_cast<std::int32_t>(v);
  }
  return true;
}

// Packs a call for another PE: the fast codec when it applies, else pickle.
// With `tail`, a large last array may be left out of the message, to be sent from
// its own memory.
charm::MessageBuffer packRemote(PyObject* call, PyObject* args, PyObject* kwargs, std::uint8_t& flags,
                                charm::comm::ExternalPayload* tail = nullptr) {
  if (!kwargs || (PyDict_Check(kwargs) && PyDict_GET_SIZE(kwargs) == 0)) {
    charm::MessageBuffer m = embedState().fast.pack(args, charm::MessageKind::EntryCall, tail);
    if (m) {
      flags |= kCallFast;
      return m;
    }
  }
  return embedState().codec.pack(call, charm::MessageKind::EntryCall);
}

// The (args, kwargs) call tuple packed into a message: by reference for this PE.
charm::MessageBuffer packCall(PyObject* args, PyObject* kwargs, int pe, std::uint8_t& flags,
                              charm::comm::ExternalPayload* tail) {
  PyRef call = PyRef::steal(PyTuple_Pack(2, args, kwargs ? kwargs : Py_None));
  if (!call) return {};
  if (pe == rt().myPe()) {
    charm::MessageBuffer m = charm::newMessage(charm::MessageKind::EntryCall, sizeof(PyObject*));
    PyObject* raw = call.release();
    std::memcpy(charm::payloadOf(m), &raw, sizeof raw);
    flags |= kCallByReference;
    return m;
  }
  return packRemote(call.get(), args, kwargs, flags, tail);
}

PyObject* fail(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  return nullptr;
}

// Runs C++ that may throw (bad PE, bad index) and turns exceptions into Python ones.
template <class F>
PyObject* guarded(F f) {
  try {
    return f();
  } catch (const std::out_of_range& e) {
    return fail(PyExc_IndexError, e.what());
  } catch (const std::invalid_argument& e) {
    return fail(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    return fail(PyExc_RuntimeError, e.what());
  }
}

PyObject* py_my_pe(PyObject*, PyObject*) { return PyLong_FromLong(rt().myPe()); }
PyObject* py_num_pes(PyObject*, PyObject*) { return PyLong_FromLong(rt().numPes()); }

PyObject* py_host_layout(PyObject*, PyObject*) {
  EmbedState& st = embedState();
  PyRef hostOf = PyRef::steal(PyTuple_New(static_cast<Py_ssize_t>(st.hostOfPe.size())));
  for (std::size_t i = 0; i < st.hostOfPe.size(); ++i)
    PyTuple_SET_ITEM(hostOf.get(), static_cast<Py_ssize_t>(i), PyLong_FromLong(st.hostOfPe[i]));
  PyRef hosts = PyRef::steal(PyTuple_New(static_cast<Py_ssize_t>(st.pesOnHost.size())));
  for (std::size_t h = 0; h < st.pesOnHost.size(); ++h) {
    PyObject* pes = PyTuple_New(static_cast<Py_ssize_t>(st.pesOnHost[h].size()));
    for (std::size_t j = 0; j < st.pesOnHost[h].size(); ++j)
      PyTuple_SET_ITEM(pes, static_cast<Py_ssize_t>(j), PyLong_FromLong(st.pesOnHost[h][j]));
    PyTuple_SET_ITEM(hosts.get(), static_cast<Py_ssize_t>(h), pes);
  }
  return Py_BuildValue("(iOO)", st.myHost, hostOf.get(), hosts.get());
}

PyObject* flagsDict() {
  PyRef d = PyRef::steal(PyDict_New());
  for (const auto& [name, value] : embedState().flags.values()) {
    PyRef v = value.empty() ? PyRef::borrow(Py_True) : PyRef::steal(PyUnicode_FromString(value.c_str()));
    PyDict_SetItemString(d.get(), name.c_str(), v.get());
  }
  return d.release();
}

PyObject* py_runtime_flags(PyObject*, PyObject*) { return flagsDict(); }

PyObject* py_consume_flags(PyObject*, PyObject* argv) {
  if (!PyList_Check(argv)) return fail(PyExc_TypeError, "consume_flags takes a list of strings");
  std::vector<std::string> args;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(argv); ++i) {
    const char* s = PyUnicode_AsUTF8(PyList_GET_ITEM(argv, i));
    if (!s) return nullptr;
    args.emplace_back(s);
  }
  const auto rest = embedState().flags.consume(args, rt().myPe() == 0);
  PyRef out = PyRef::steal(PyList_New(static_cast<Py_ssize_t>(rest.size())));
  for (std::size_t i = 0; i < rest.size(); ++i)
    PyList_SET_ITEM(out.get(), static_cast<Py_ssize_t>(i), PyUnicode_FromString(rest[i].c_str()));
  return out.release();
}

// Places an element of an array created with map=: asks the Python hook, which
// calls procNum on this PE's element of the ArrayMap group.
int mapPeOf(charm::CollectionId map, const charm::ArrayIndex& index, const charm::ArrayIndex&) {
  EmbedState& st = embedState();
  if (!st.arrayMapPe) throw std::logic_error("charmpy: no array_map_pe hook is set");
  PyRef mapId = PyRef::steal(PyLong_FromUnsignedLongLong(map));
  PyRef idx = indexToTuple(index);
  PyObject* args[] = {mapId.get(), idx.get()};
  PyRef pe = PyRef::steal(PyObject_Vectorcall(st.arrayMapPe.get(), args, 2, nullptr));
  const long value = pe ? PyLong_AsLong(pe.get()) : -1;
  if (!pe || (value == -1 && PyErr_Occurred())) abortWithPythonError("ArrayMap.procNum");
  return static_cast<int>(value);
}

PyObject* py_set_hooks(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"make_chare", "deliver_future", "format_exception", "array_map_pe",
                                "reduction_done", "numeric_reduction_done", "recheck_waiting", nullptr};
  PyObject *make = nullptr, *deliver = nullptr, *format = nullptr, *mapPe = nullptr, *reduced = nullptr,
           *numericReduced = nullptr, *recheck = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOOOOOO", const_cast<char**>(names), &make, &deliver,
                                   &format, &mapPe, &reduced, &numericReduced, &recheck))
    return nullptr;
  if (!make || !deliver || !format)
    return fail(PyExc_TypeError, "set_hooks needs make_chare, deliver_future and format_exception");
  EmbedState& st = embedState();
  st.makeChare = PyRef::borrow(make);
  st.deliverFuture = PyRef::borrow(deliver);
  st.formatException = PyRef::borrow(format);
  st.arrayMapPe = mapPe ? PyRef::borrow(mapPe) : PyRef();
  st.reductionDone = reduced ? PyRef::borrow(reduced) : PyRef();
  st.numericReductionDone = numericReduced ? PyRef::borrow(numericReduced) : PyRef();
  st.recheckWaiting = recheck ? PyRef::borrow(recheck) : PyRef();
  st.waitingKey = PyRef::steal(PyUnicode_InternFromString("_charmpy_waiting"));
  st.runtime->setArrayMapFunction(&mapPeOf);
  Py_RETURN_NONE;
}

std::string className(PyObject* cls) {
  PyRef module = PyRef::steal(PyObject_GetAttrString(cls, "__module__"));
  PyRef qual = PyRef::steal(PyObject_GetAttrString(cls, "__qualname__"));
  PyErr_Clear();
  std::string s = module && PyUnicode_Check(module.get()) ? PyUnicode_AsUTF8(module.get()) : "?";
  s += ".";
  s += qual && PyUnicode_Check(qual.get()) ? PyUnicode_AsUTF8(qual.get()) : "?";
  return s;
}

PyObject* py_register_constructor(PyObject*, PyObject* args) {
  PyObject* cls;
  int kind, coro;
  if (!PyArg_ParseTuple(args, "Oip", &cls, &kind, &coro)) return nullptr;
  if (!PyType_Check(cls)) return fail(PyExc_TypeError, "register_constructor takes a class");
  const std::string name = "py:" + className(cls) + ":ctor:" + std::to_string(kind);
  const charm::EntryId id = charm::Registry::instance().addDynamicConstructor(
      name, &constructPythonChare, "py:" + className(cls));
  embedState().entries[id] = PythonEntry{PyRef::borrow(cls), PyRef(), PyRef(), kind, coro != 0};
  return PyLong_FromUnsignedLong(id);
}

PyObject* py_register_entry(PyObject*, PyObject* args) {
  PyObject *cls, *method;
  int coro;
  if (!PyArg_ParseTuple(args, "OUp", &cls, &method, &coro)) return nullptr;
  const std::string name = "py:" + className(cls) + "." + PyUnicode_AsUTF8(method);
  const charm::EntryId id = charm::Registry::instance().addDynamic(name, &invokePythonEntry,
                                                                   "py:" + className(cls), coro != 0);
  PyObject* interned = method;
  Py_INCREF(interned);
  PyUnicode_InternInPlace(&interned);
  // Cache the plain function so calls skip the attribute lookup and bound-method
  // object (static/class methods and other descriptors keep the generic path).
  PyRef function = PyRef::steal(PyObject_GetAttr(cls, interned));
  if (!function || !PyFunction_Check(function.get())) {
    PyErr_Clear();
    function = PyRef();
  }
  embedState().entries[id] =
      PythonEntry{PyRef::borrow(cls), PyRef::steal(interned), std::move(function), 0, coro != 0};
  return PyLong_FromUnsignedLong(id);
}

// Delivers a Python future's value message (scheduler context).
void deliverFutureMessage(charm::MessageBuffer message) {
  EmbedState& st = embedState();
  const charm::Envelope& env = charm::envelopeOf(message);
  const auto format = static_cast<FutureFormat>(env.flags & 0x0f);
  const bool wantList = env.flags & 0x10;
  const std::uint64_t fid = env.reply.id;
  PyRef value;
  bool isException = false;
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
      // (ok, value) pickles in element order; the first failure wins.
      const auto items = charm::unpackAs<std::vector<std::string>>(charm::payloadOf(message),
                                                                   charm::payloadSizeOf(message));
      PyRef list = PyRef::steal(PyList_New(static_cast<Py_ssize_t>(items.size())));
      for (std::size_t i = 0; i < items.size() && list; ++i) {
        PyRef item = st.codec.loadsBytes(items[i].data(), items[i].size());
        if (!item) abortWithPythonError("unpickling a broadcast reply");
        PyObject* v = PyTuple_GET_ITEM(item.get(), 1);
        if (!isException && PyTuple_GET_ITEM(item.get(), 0) == Py_False) {
          isException = true;
          value = PyRef::borrow(v);
        }
        Py_INCREF(v);
        PyList_SET_ITEM(list.get(), static_cast<Py_ssize_t>(i), v);
      }
      if (!isException) value = wantList ? list : PyRef::borrow(Py_None);
      break;
    }
    case FutureFormat::Fast: {
      charm::InvokeContext ctx;
      ctx.payload = charm::payloadOf(message);
      ctx.payloadSize = charm::payloadSizeOf(message);
      ctx.adoptable = &message;
      ctx.flags = kCallFast;
      PyRef call = decodeCall(ctx);
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
      if (sizeof tagLength + tagLength > size) abortWithPythonError("a corrupt reduction result");
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
  PyObject* args[] = {fidObj.get(), value.get(), isException ? Py_True : Py_False};
  PyRef r = PyRef::steal(PyObject_Vectorcall(st.deliverFuture.get(), args, 3, nullptr));
  if (!r) handleUncaught("delivering a future's value");
}

PyObject* py_start(PyObject*, PyObject* entry) {
  EmbedState& st = embedState();
  if (st.started) return fail(PyExc_RuntimeError, "charm.start() was already called");
  if (!st.makeChare || !st.deliverFuture)
    return fail(PyExc_RuntimeError, "_charmpy.set_hooks() must be called before start()");
  st.started = true;
  st.runtime->setExternalFutureHandler(&deliverFutureMessage);
  std::function<void()> main;
  if (entry != Py_None) {
    PyRef fn = PyRef::borrow(entry);
    main = [fn]() mutable {
      PyRef r = PyRef::steal(PyObject_CallNoArgs(fn.get()));
      if (!r) handleUncaught("the entry function");
      fn = PyRef();
    };
  }
  int code = 0;
  try {
    code = st.runtime->run(std::move(main));
  } catch (const std::exception& e) {
    return fail(PyExc_RuntimeError, e.what());
  }
  return PyLong_FromLong(code);
}

PyObject* py_exit(PyObject*, PyObject* args) {
  int code = 0;
  if (!PyArg_ParseTuple(args, "|i", &code)) return nullptr;
  rt().exit(code);
  Py_RETURN_NONE;
}

PyObject* py_abort(PyObject*, PyObject* message) {
  PyRef text = PyRef::steal(PyObject_Str(message));
  rt().abort(text ? PyUnicode_AsUTF8(text.get()) : "abort");
}

PyObject* py_create(PyObject*, PyObject* args) {
  int kind, onPe;
  unsigned long ctor;
  unsigned long long mapId = 0;
  PyObject *dims, *cargs, *ckwargs;
  if (!PyArg_ParseTuple(args, "ikOiO!O|K", &kind, &ctor, &dims, &onPe, &PyTuple_Type, &cargs, &ckwargs,
                        &mapId))
    return nullptr;
  return guarded([&]() -> PyObject* {
    charm::CollectionSpec spec;
    spec.kind = static_cast<charm::CollectionKind>(kind);
    spec.constructor = static_cast<charm::EntryId>(ctor);
    if (spec.kind == charm::CollectionKind::Array) {
      if (!toIndex(dims, spec.dims, "dims")) return nullptr;
      charm::checkDims(spec.dims);
      spec.arrayMap = mapId;
    }
    if (spec.kind == charm::CollectionKind::Singleton) {
      spec.onPe = onPe < 0 ? rt().placeSingleton() : onPe;
      if (spec.onPe >= rt().numPes())
        throw std::out_of_range("charmpy: cannot create a chare on PE " + std::to_string(onPe) +
                                "; PEs are 0.." + std::to_string(rt().numPes() - 1));
    }
    PyRef call = PyRef::steal(PyTuple_Pack(2, cargs, ckwargs));
    charm::MessageBuffer packedArgs = embedState().codec.pack(call.get(), charm::MessageKind::CreateCollection);
    if (!packedArgs) return nullptr;
    // Creation payload: the spec, then the pickled constructor call.
    const std::size_t specSize = charm::packedSize(spec);
    const std::size_t argsSize = charm::payloadSizeOf(packedArgs);
    charm::MessageBuffer m = charm::newMessage(charm::MessageKind::CreateCollection, specSize + argsSize);
    charm::packInto(charm::payloadOf(m), specSize, spec);
    std::memcpy(charm::payloadOf(m) + specSize, charm::payloadOf(packedArgs), argsSize);
    const charm::CollectionId id = rt().newCollectionId();
    rt().createCollection(id, spec, std::move(m));
    return PyLong_FromUnsignedLongLong(id);
  });
}

PyObject* py_place_chare(PyObject*, PyObject*) { return PyLong_FromLong(rt().placeSingleton()); }

PyObject* py_element_pe(PyObject*, PyObject* args) {
  PyObject *dimsObj, *indexObj;
  unsigned long long mapId = 0;
  if (!PyArg_ParseTuple(args, "OO|K", &dimsObj, &indexObj, &mapId)) return nullptr;
  charm::ArrayIndex dims, index;
  if (!toIndex(dimsObj, dims, "dims") || !toIndex(indexObj, index, "index")) return nullptr;
  return guarded([&]() -> PyObject* {
    charm::checkIndexInRange(index, dims);
    if (mapId == 0) return PyLong_FromLong(charm::defaultMapPe(index, dims, rt().numPes()));
    const int pe = mapPeOf(mapId, index, dims);
    if (pe < 0 || pe >= rt().numPes())
      throw std::out_of_range("charmpy: ArrayMap.procNum placed " + index.toString() + " on PE " +
                              std::to_string(pe) + ", which does not exist");
    return PyLong_FromLong(pe);
  });
}

// The map (collection id, 0 for the default map) of an array known on this PE;
// -1 when the collection is not (yet) created here.
PyObject* py_collection_map(PyObject*, PyObject* cid) {
  const unsigned long long id = PyLong_AsUnsignedLongLong(cid);
  if (PyErr_Occurred()) return nullptr;
  const charm::Collection* c = rt().findCollection(id);
  return c ? PyLong_FromUnsignedLongLong(c->spec().arrayMap) : PyLong_FromLong(-1);
}

PyObject* py_send(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 6 && nargs != 8)
    return fail(PyExc_TypeError, "send(collection, index, pe, entry, args, kwargs[, reply_pe, reply_fid])");
  const unsigned long long collection = PyLong_AsUnsignedLongLong(args[0]);
  charm::ArrayIndex index;
  if (!toIndex(args[1], index, "index")) return nullptr;
  const long pe = PyLong_AsLong(args[2]);
  const unsigned long entry = PyLong_AsUnsignedLong(args[3]);
  charm::FutureRef reply;
  if (nargs == 8) {
    reply.pe = static_cast<std::int32_t>(PyLong_AsLong(args[6]));
    reply.id = PyLong_AsUnsignedLongLong(args[7]);
  }
  if (PyErr_Occurred()) return nullptr;
  if (!PyTuple_Check(args[4])) return fail(PyExc_TypeError, "send: args must be a tuple");
  if (pe < 0 || pe >= rt().numPes())
    return fail(PyExc_IndexError, "charmpy: PE " + std::to_string(pe) + " is out of range");
  std::uint8_t flags = 0;
  PyObject* kwargs = args[5] == Py_None ? nullptr : args[5];
  charm::comm::ExternalPayload tail;
  charm::MessageBuffer m = packCall(args[4], kwargs, static_cast<int>(pe), flags, &tail);
  if (!m) return nullptr;
  countSent(charm::payloadSizeOf(m));
  return guarded([&] {
    if (tail.size > 0)
      rt().sendEntryCall(collection, index, static_cast<int>(pe), static_cast<charm::EntryId>(entry),
                         std::move(m), std::move(tail), reply, flags);
    else
      rt().sendEntryCall(collection, index, static_cast<int>(pe), static_cast<charm::EntryId>(entry),
                         std::move(m), reply, flags);
    Py_RETURN_NONE;
  });
}

PyObject* py_broadcast(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"collection_id", "entry", "args", "kwargs", "reply_pe", "reply_fid", "gather", nullptr};
  unsigned long long collection, fid = 0;
  unsigned long entry;
  PyObject *cargs, *ckwargs;
  int replyPe = -1, gather = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "KkO!O|iKp", const_cast<char**>(names), &collection,
                                   &entry, &PyTuple_Type, &cargs, &ckwargs, &replyPe, &fid, &gather))
    return nullptr;
  PyRef call = PyRef::steal(PyTuple_Pack(2, cargs, ckwargs));
  std::uint8_t flags = gather ? kReplyGathered : 0;
  charm::MessageBuffer m = packRemote(call.get(), cargs, ckwargs == Py_None ? nullptr : ckwargs, flags);
  if (!m) return nullptr;
  countSent(charm::payloadSizeOf(m));
  return guarded([&] {
    rt().broadcastEntry(collection, static_cast<charm::EntryId>(entry), std::move(m),
                        charm::FutureRef{replyPe, fid}, flags);
    Py_RETURN_NONE;
  });
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
    rt().spawnFiber([f, a]() mutable {
      PyRef r = PyRef::steal(PyObject_Call(f.get(), a.get(), nullptr));
      if (!r) handleUncaught("a coroutine");
      f = PyRef();
      a = PyRef();
    });
    Py_RETURN_NONE;
  });
}

PyObject* py_current_fiber(PyObject*, PyObject*) {
  return PyLong_FromVoidPtr(rt().fibers().current());
}

PyObject* py_suspend(PyObject*, PyObject*) {
  charm::FiberPool& pool = rt().fibers();
  if (!pool.inFiber())
    return fail(PyExc_RuntimeError,
                "charmpy: this call waits, so it must run in a coroutine (the entry function or "
                "a method decorated with @coro)");
  charm::Fiber* self = pool.current();
  pool.suspend();
  auto& values = embedState().resumeValues;
  auto it = values.find(self);
  if (it == values.end()) Py_RETURN_NONE;
  PyRef v = std::move(it->second);
  values.erase(it);
  return v.release();
}

PyObject* py_resume(PyObject*, PyObject* args) {
  PyObject *handle, *value = Py_None;
  if (!PyArg_ParseTuple(args, "O|O", &handle, &value)) return nullptr;
  auto* fiber = static_cast<charm::Fiber*>(PyLong_AsVoidPtr(handle));
  if (!fiber) return fail(PyExc_ValueError, "charmpy: resume() needs a fiber handle");
  embedState().resumeValues[fiber] = PyRef::borrow(value);
  try {
    rt().resumeFiber(fiber);
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
  rt().after(seconds, [f] {
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

// Python reductions: each element's (reducer, data, target) is pickled and
// gathered over the runtime's reduction tree to PE 0, where the package's
// reduction_done hook combines the contributions (in element order) and delivers
// the result. The runtime's numbering keeps several reductions in flight apart.
PyObject* py_contribute(PyObject*, PyObject* args) {
  PyObject *chareObj, *item;
  if (!PyArg_ParseTuple(args, "OO", &chareObj, &item)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  PyRef pickled = st.codec.dumpsInBand(item);
  if (!pickled) return nullptr;
  std::string bytes(PyBytes_AS_STRING(pickled.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(pickled.get())));
  const std::uint8_t format = charm::kExternalFutureFlag | static_cast<std::uint8_t>(FutureFormat::Reduction);
  return guarded([&] {
    it->second->contribute(bytes, charm::reducer::gather, charm::Callback::toFuture(charm::FutureRef{0, 0}, format));
    Py_RETURN_NONE;
  });
}

// The ValueType of a buffer's struct format character (native, standard sizes).
bool valueTypeOfFormat(const char* format, Py_ssize_t itemsize, charm::ValueType& out) {
  if (!format) format = "B";
  if (*format == '@' || *format == '=' || *format == '<') ++format;  // native little-endian here
  const char c = *format;
  if (!c || format[1]) return false;
  using VT = charm::ValueType;
  const bool isSigned = c == 'b' || c == 'h' || c == 'i' || c == 'l' || c == 'q' || c == 'n';
  const bool isUnsigned = c == 'B' || c == 'H' || c == 'I' || c == 'L' || c == 'Q' || c == 'N';
  if (c == '?') out = VT::Bool;
  else if (c == 'f' && itemsize == 4) out = VT::Float;
  else if (c == 'd' && itemsize == 8) out = VT::Double;
  else if (isSigned || isUnsigned) {
    switch (itemsize) {
      case 1: out = isSigned ? VT::Int8 : VT::UInt8; break;
      case 2: out = isSigned ? VT::Int16 : VT::UInt16; break;
      case 4: out = isSigned ? VT::Int32 : VT::UInt32; break;
      case 8: out = isSigned ? VT::Int64 : VT::UInt64; break;
      default: return false;
    }
  } else {
    return false;
  }
  return true;
}

// Numeric reductions combined in C along the tree: `data` is an int, float or bool,
// or a C-contiguous buffer of numbers (a NumPy array); `tag` (bytes) travels to
// the root, where numeric_reduction_done(tag, result_view) gets the combined bytes.
PyObject* py_contribute_numeric(PyObject*, PyObject* args) {
  PyObject *chareObj, *data;
  int reducer;
  const char* tag;
  Py_ssize_t tagLength;
  if (!PyArg_ParseTuple(args, "OiOy#", &chareObj, &reducer, &data, &tag, &tagLength)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  const auto kind = static_cast<charm::ReducerKind>(reducer);
  return guarded([&]() -> PyObject* {
    charm::ReductionValue value;
    if (PyBool_Check(data)) {
      value = charm::ReductionValue::numeric(kind, data == Py_True);
    } else if (PyLong_Check(data)) {
      const long long v = PyLong_AsLongLong(data);
      if (v == -1 && PyErr_Occurred()) return nullptr;
      value = charm::ReductionValue::numeric(kind, static_cast<std::int64_t>(v));
    } else if (PyFloat_Check(data)) {
      value = charm::ReductionValue::numeric(kind, PyFloat_AS_DOUBLE(data));
    } else {
      Py_buffer view;
      if (PyObject_GetBuffer(data, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return nullptr;
      charm::ValueType type;
      const bool ok = valueTypeOfFormat(view.format, view.itemsize, type);
      const std::uint64_t count = ok ? static_cast<std::uint64_t>(view.len / view.itemsize) : 0;
      if (ok) value = charm::ReductionValue::numericRaw(kind, type, true, count, view.buf);
      PyBuffer_Release(&view);
      if (!ok) return fail(PyExc_TypeError, "charmpy: numeric reductions take numbers or arrays of numbers");
    }
    value.setTag(std::string(tag, static_cast<std::size_t>(tagLength)));
    const std::uint8_t format =
        charm::kExternalFutureFlag | static_cast<std::uint8_t>(FutureFormat::NumericReduction);
    it->second->contributeReduction(std::move(value), charm::Callback::toFuture(charm::FutureRef{0, 0}, format));
    Py_RETURN_NONE;
  });
}

PyObject* py_set_profiling(PyObject*, PyObject* on) {
  embedState().profiling = PyObject_IsTrue(on) == 1;
  Py_RETURN_NONE;
}

// {(class name, method name): (calls, seconds, bytes received, bytes sent)} of this PE.
PyObject* py_profile(PyObject*, PyObject*) {
  EmbedState& st = embedState();
  PyRef d = PyRef::steal(PyDict_New());
  for (const auto& [id, p] : st.profile) {
    auto e = st.entries.find(id);
    if (e == st.entries.end() || !e->second.methodName) continue;
    PyRef qual = PyRef::steal(PyObject_GetAttrString(e->second.cls.get(), "__qualname__"));
    PyRef key = PyRef::steal(PyTuple_Pack(2, qual.get(), e->second.methodName.get()));
    PyRef value = PyRef::steal(Py_BuildValue("(KdKK)", static_cast<unsigned long long>(p.calls), p.seconds,
                                             static_cast<unsigned long long>(p.bytesReceived),
                                             static_cast<unsigned long long>(p.bytesSent)));
    if (!qual || !key || !value || PyDict_SetItem(d.get(), key.get(), value.get()) < 0) return nullptr;
  }
  return d.release();
}

PyMethodDef methods[] = {
    {"my_pe", py_my_pe, METH_NOARGS, "This PE's number."},
    {"num_pes", py_num_pes, METH_NOARGS, "Number of PEs."},
    {"host_layout", py_host_layout, METH_NOARGS, "(my_host, host_of_pe, pes_on_host)."},
    {"runtime_flags", py_runtime_flags, METH_NOARGS, "The runtime's +flags."},
    {"consume_flags", py_consume_flags, METH_O, "Removes +flags from a list; returns the rest."},
    {"set_hooks", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_set_hooks)),
     METH_VARARGS | METH_KEYWORDS, "Sets the package's hooks."},
    {"register_constructor", py_register_constructor, METH_VARARGS, "Registers a constructor."},
    {"register_entry", py_register_entry, METH_VARARGS, "Registers an entry method."},
    {"start", py_start, METH_O, "Runs the scheduler until exit; returns the exit code."},
    {"exit", py_exit, METH_VARARGS, "Ends the program on every PE."},
    {"abort", py_abort, METH_O, "Ends the job with a message."},
    {"create", py_create, METH_VARARGS, "Creates a collection; returns its id."},
    {"place_chare", py_place_chare, METH_NOARGS, "A PE for a new singleton chare."},
    {"collection_map", py_collection_map, METH_O, "The ArrayMap of an array known here."},
    {"element_pe", py_element_pe, METH_VARARGS, "PE of an array element (default map)."},
    {"send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_send)), METH_FASTCALL,
     "Calls an entry method of one element."},
    {"broadcast", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_broadcast)),
     METH_VARARGS | METH_KEYWORDS, "Calls an entry method of every element."},
    {"send_future", py_send_future, METH_VARARGS, "Sends a value to a future."},
    {"new_future_id", py_new_future_id, METH_NOARGS, "A future id unique on this PE."},
    {"spawn", py_spawn, METH_VARARGS, "Runs a callable on a new fiber."},
    {"current_fiber", py_current_fiber, METH_NOARGS, "Handle of the running fiber (0: none)."},
    {"suspend", py_suspend, METH_NOARGS, "Suspends the running fiber."},
    {"resume", py_resume, METH_VARARGS, "Resumes a suspended fiber."},
    {"after", py_after, METH_VARARGS, "Calls fn() after a delay."},
    {"start_qd", py_start_qd, METH_O, "Starts quiescence detection."},
    {"contribute", py_contribute, METH_VARARGS, "Contributes to a reduction."},
    {"contribute_numeric", py_contribute_numeric, METH_VARARGS, "Contributes numbers, combined in C."},
    {"set_profiling", py_set_profiling, METH_O, "Turns per-entry-method profiling on or off."},
    {"profile", py_profile, METH_NOARGS, "This PE's per-entry-method profile."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef moduleDef = {PyModuleDef_HEAD_INIT, "_charmpy",
                         "The charmpy runtime's native interface (see _charmpy.pyi).", -1, methods,
                         nullptr, nullptr, nullptr, nullptr};

}  // namespace

EmbedState& embedState() { return *gState; }
void setEmbedState(EmbedState* state) { gState = state; }

void abortWithPythonError(const std::string& where) {
  std::string text = "Python error in " + where;
  if (PyErr_Occurred()) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb && v) PyException_SetTraceback(v, tb);
    PyRef type = PyRef::steal(t), value = PyRef::steal(v), trace = PyRef::steal(tb);
    PyRef tbmod = PyRef::steal(PyImport_ImportModule("traceback"));
    PyRef lines = tbmod && value ? PyRef::steal(PyObject_CallMethod(tbmod.get(), "format_exception", "O", value.get()))
                                 : PyRef();
    PyRef joined = lines ? PyRef::steal(PyUnicode_Join(PyRef::steal(PyUnicode_FromString("")).get(), lines.get()))
                         : PyRef();
    if (joined)
      text += ":\n" + std::string(PyUnicode_AsUTF8(joined.get()));
    else if (value)
      if (PyRef s = PyRef::steal(PyObject_Str(value.get()))) text += ": " + std::string(PyUnicode_AsUTF8(s.get()));
    PyErr_Clear();
  }
  PyRef flushed = PyRef::steal(PyRun_String("import sys\nsys.stdout.flush()\nsys.stderr.flush()", Py_file_input,
                                            PyModule_GetDict(PyImport_AddModule("__main__")),
                                            PyModule_GetDict(PyImport_AddModule("__main__"))));
  embedState().runtime->abort(text);
}

void handleUncaught(const std::string& where) {
  if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyRef type = PyRef::steal(t), value = PyRef::steal(v), trace = PyRef::steal(tb);
    int code = 0;
    PyRef c = value ? PyRef::steal(PyObject_GetAttrString(value.get(), "code")) : PyRef();
    PyErr_Clear();
    if (c && PyLong_Check(c.get())) {
      code = static_cast<int>(PyLong_AsLong(c.get()));
    } else if (c && c.get() != Py_None) {
      PyRef s = PyRef::steal(PyObject_Str(c.get()));
      if (s) std::fprintf(stderr, "%s\n", PyUnicode_AsUTF8(s.get()));
      code = 1;
    }
    embedState().runtime->exit(code);
    return;
  }
  abortWithPythonError(where);
}

PyObject* initModule() {
  PyRef m = PyRef::steal(PyModule_Create(&moduleDef));
  if (!m) return nullptr;
  if (!initMessageType(m.get())) return nullptr;
  struct {
    const char* name;
    int value;
  } constants[] = {{"KIND_CHARE", 0}, {"KIND_GROUP", 1}, {"KIND_ARRAY", 2},
                   {"REDUCER_NOP", static_cast<int>(charm::ReducerKind::Nop)},
                   {"REDUCER_SUM", static_cast<int>(charm::ReducerKind::Sum)},
                   {"REDUCER_PRODUCT", static_cast<int>(charm::ReducerKind::Product)},
                   {"REDUCER_MIN", static_cast<int>(charm::ReducerKind::Min)},
                   {"REDUCER_MAX", static_cast<int>(charm::ReducerKind::Max)},
                   {"REDUCER_AND", static_cast<int>(charm::ReducerKind::LogicalAnd)},
                   {"REDUCER_OR", static_cast<int>(charm::ReducerKind::LogicalOr)},
                   {"REDUCER_XOR", static_cast<int>(charm::ReducerKind::LogicalXor)},
                   {"REDUCER_GATHER", static_cast<int>(charm::ReducerKind::Gather)}};
  for (const auto& c : constants)
    if (PyModule_AddIntConstant(m.get(), c.name, c.value) < 0) return nullptr;
  return m.release();
}

}  // namespace charmpy

PyMODINIT_FUNC PyInit__charmpy() { return charmpy::initModule(); }
