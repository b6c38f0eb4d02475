// `_charmpy` functions that create collections, place elements and call entry
// methods: the hot path of a remote call (by reference on the same PE, the fast
// codec or pickle otherwise; a large last array that nothing can change is sent
// from its own memory, any other argument is copied at the call).
#include <cstring>
#include <string>

#include "local_copies.h"
#include "message_object.h"
#include "module_support.h"
#include "runtime/collection.h"
#include "runtime/registry.h"

namespace charmpy {

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

PyObject* fail(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  return nullptr;
}

// Packs a call for another PE: the fast codec when it applies, else pickle.
// With `tail`, a large last array that nothing can change (see FastCodec::pack)
// may be left out of the message, to be sent from its own memory.
charm::MessageBuffer packForAnotherPe(PyObject* call, PyObject* args, PyObject* kwargs, std::uint8_t& flags,
                                      charm::comm::ExternalPayload* tail) {
  return packItemsForAnotherPe(&PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args), call, args, kwargs, flags,
                               tail);
}

charm::MessageBuffer packItemsForAnotherPe(PyObject* const* items, Py_ssize_t n, PyObject* call, PyObject* args,
                                           PyObject* kwargs, std::uint8_t& flags,
                                           charm::comm::ExternalPayload* tail) {
  if (!kwargs || (PyDict_Check(kwargs) && PyDict_GET_SIZE(kwargs) == 0)) {
    charm::MessageBuffer m = embedState().fast.pack(items, n, charm::MessageKind::EntryCall, tail);
    if (m) {
      flags |= kCallFast;
      return m;
    }
  }
  // Pickle: the (args, kwargs) call tuple, made here when the caller has none.
  PyRef made;
  if (!call) {
    PyRef tuple;
    if (!args) {
      tuple = argsTuple(items, n);
      if (!tuple) return {};
      args = tuple.get();
    }
    made = PyRef::steal(PyTuple_Pack(2, args, kwargs ? kwargs : Py_None));
    if (!made) return {};
    call = made.get();
  }
  return embedState().codec.pack(call, charm::MessageKind::EntryCall);
}

PyRef argsTuple(PyObject* const* items, Py_ssize_t n) {
  PyRef t = PyRef::steal(PyTuple_New(n));
  if (!t) return {};
  for (Py_ssize_t i = 0; i < n; ++i) PyTuple_SET_ITEM(t.get(), i, Py_NewRef(items[i]));
  return t;
}

namespace {

// True when the receiver cannot tell `value` passed by reference from a copy:
// immutable built-in values, tuples of them, and instances of the shareable types
// (proxies, futures: their state is the runtime's, not the program's).
bool unobservablyShared(PyObject* value, int depth = 0) {
  PyTypeObject* type = Py_TYPE(value);
  if (value == Py_None || type == &PyLong_Type || type == &PyFloat_Type || type == &PyBool_Type ||
      type == &PyUnicode_Type || type == &PyBytes_Type || type == &PyComplex_Type)
    return true;
  if (type == &PyTuple_Type) {
    if (depth >= 8) return false;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(value); ++i)
      if (!unobservablyShared(PyTuple_GET_ITEM(value, i), depth + 1)) return false;
    return true;
  }
  EmbedState& st = embedState();
  PyObject* shareable = st.shareableTypes.get();
  if (!shareable) return false;
  const bool heapType = PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE);
  if (!heapType && st.unsharedStaticType.get() == reinterpret_cast<PyObject*>(type)) return false;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(shareable); ++i)
    if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(shareable, i))))
      return true;
  if (!heapType) st.unsharedStaticType = PyRef::borrow(reinterpret_cast<PyObject*>(type));
  return false;
}

}  // namespace

bool mayShareWithThisPe(PyObject* value) { return embedState().localMsgOptim || unobservablyShared(value); }

namespace {

// A call to this PE may pass its argument objects themselves only when that
// cannot be observed (or the program asked for it: options.local_msg_optim): a
// call behaves as if its arguments were copied at the call.
// The arguments are the `n` items of `args` (a tuple, or null when the caller
// has none: a call whose items must be copied then makes no tuple).
bool mayPassByReference(PyObject* args, PyObject* const* items, Py_ssize_t n, PyObject* kwargs) {
  if (embedState().localMsgOptim) return true;
  if (args && !PyTuple_CheckExact(args)) return false;  // as for any value of another type
  for (Py_ssize_t i = 0; i < n; ++i)
    if (!unobservablyShared(items[i], 1)) return false;  // depth 1: as items of the args tuple
  if (!kwargs) return true;
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(kwargs, &pos, &key, &value))
    if (!unobservablyShared(value)) return false;
  return true;
}

// A call packed into a message: by reference for this PE when that cannot be
// observed, else copied into the message as for another PE. `args` is the tuple
// of the `n` items, or null (made here only when needed).
// `countedBytes`: set when the message's payload is not what the call counts for
// the profile and the balancer (arrays copied at the call: their encoded size).
charm::MessageBuffer packCall(PyObject* const* items, Py_ssize_t n, PyObject* args, PyObject* kwargs, int pe,
                              std::uint8_t& flags, charm::comm::ExternalPayload* tail, std::size_t& countedBytes) {
  if (pe != rt().myPe()) return packItemsForAnotherPe(items, n, nullptr, args, kwargs, flags, tail);
  PyRef made;
  if (!mayPassByReference(args, items, n, kwargs)) {
    // Numbers and mid-size arrays: the arrays copied now, as the receiver would
    // have rebuilt them from the message (local_copies.h), and passed by reference.
    if (!kwargs || (PyDict_Check(kwargs) && PyDict_GET_SIZE(kwargs) == 0))
      made = copyArgsForThisPe(items, n, countedBytes);
    if (!made) {
      if (PyErr_Occurred()) return {};
      return packItemsForAnotherPe(items, n, nullptr, args, kwargs, flags, nullptr);
    }
    args = made.get();
    kwargs = nullptr;
  }
  if (!args) {
    made = argsTuple(items, n);
    if (!made) return {};
    args = made.get();
  }
  // The payload: the args tuple and the kwargs dict (or null), each a reference
  // the message owns (python_chare.h: takeByReference); with arrays copied at the
  // call, then the size of their encoding (for the receiver's profile).
  PyObject* raw[2] = {Py_NewRef(args), Py_XNewRef(kwargs)};
  const std::uint64_t encoded = countedBytes;
  charm::MessageBuffer m =
      charm::newMessage(charm::MessageKind::EntryCall, sizeof raw + (encoded ? sizeof encoded : 0));
  std::memcpy(charm::payloadOf(m), raw, sizeof raw);
  if (encoded) std::memcpy(charm::payloadOf(m) + sizeof raw, &encoded, sizeof encoded);
  flags |= kCallByReference;
  return m;
}

}  // namespace

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

PyObject* py_create(PyObject*, PyObject* args) {
  int kind, onPe;
  unsigned long ctor;
  unsigned long long mapId = 0;
  PyObject *dims, *cargs, *ckwargs, *onPes = Py_None;
  int useAtSync = 0;
  if (!PyArg_ParseTuple(args, "ikOiO!O|KOp", &kind, &ctor, &dims, &onPe, &PyTuple_Type, &cargs, &ckwargs,
                        &mapId, &onPes, &useAtSync))
    return nullptr;
  return guarded([&]() -> PyObject* {
    charm::CollectionSpec spec;
    spec.kind = static_cast<charm::CollectionKind>(kind);
    spec.constructor = static_cast<charm::EntryId>(ctor);
    if (spec.kind == charm::CollectionKind::Array) {
      if (!toIndex(dims, spec.dims, "dims")) return nullptr;
      charm::checkDims(spec.dims);
      spec.arrayMap = mapId;
      spec.useAtSync = useAtSync != 0;
    }
    if (spec.kind == charm::CollectionKind::Group && onPes != Py_None) {
      PyRef seq = PyRef::steal(PySequence_Fast(onPes, "onPEs must be a sequence of PE numbers"));
      if (!seq) return nullptr;
      for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); ++i) {
        const long pe = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq.get(), i));
        if (pe == -1 && PyErr_Occurred()) return nullptr;
        if (pe < 0 || pe >= rt().numPes())
          throw std::out_of_range("charmpy: Group(onPEs=...) names PE " + std::to_string(pe) +
                                  "; PEs are 0.." + std::to_string(rt().numPes() - 1));
        spec.onPes.push_back(static_cast<std::int32_t>(pe));
      }
      if (spec.onPes.empty()) throw std::invalid_argument("charmpy: Group(onPEs=[]) names no PE");
    }
    if (spec.kind == charm::CollectionKind::Singleton) {
      spec.onPe = onPe < 0 ? rt().collections().placeSingleton() : onPe;
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
    const charm::CollectionId id = rt().collections().newId();
    rt().collections().create(id, spec, std::move(m));
    return PyLong_FromUnsignedLongLong(id);
  });
}

PyObject* py_place_chare(PyObject*, PyObject*) { return PyLong_FromLong(rt().collections().placeSingleton()); }

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
  const charm::Collection* c = rt().collections().find(id);
  return c ? PyLong_FromUnsignedLongLong(c->spec().arrayMap) : PyLong_FromLong(-1);
}

PyObject* sendCall(charm::CollectionId collection, const charm::ArrayIndex& index, long pe, charm::EntryId entry,
                   PyObject* const* items, Py_ssize_t n, PyObject* args, PyObject* kwargs, charm::FutureRef reply) {
  if (pe < 0 || pe >= rt().numPes())
    return fail(PyExc_IndexError, "charmpy: PE " + std::to_string(pe) + " is out of range");
  std::uint8_t flags = 0;
  charm::comm::ExternalPayload tail;
  // By reference only when the element is (as far as this PE knows) here.
  const int routed = rt().locations().route(collection, index, static_cast<int>(pe));
  std::size_t countedBytes = 0;  // of the payload, when not the message's
  charm::MessageBuffer m = packCall(items, n, args, kwargs, routed, flags, &tail, countedBytes);
  if (!m) return nullptr;
  countSent(countedBytes ? countedBytes : charm::payloadSizeOf(m));
  return guarded([&] {
    if (tail.size > 0)
      rt().sendEntryCall(collection, index, static_cast<int>(pe), entry, std::move(m), std::move(tail), reply,
                         flags);
    else
      rt().sendEntryCall(collection, index, static_cast<int>(pe), entry, std::move(m), reply, flags,
                         countedBytes ? charm::kPayloadOffset + countedBytes : 0);
    Py_RETURN_NONE;
  });
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
  PyObject* kwargs = args[5] == Py_None ? nullptr : args[5];
  return sendCall(collection, index, pe, static_cast<charm::EntryId>(entry), &PyTuple_GET_ITEM(args[4], 0),
                  PyTuple_GET_SIZE(args[4]), args[4], kwargs, reply);
}

charm::MessageBuffer packBroadcast(PyObject* args, PyObject* kwargs, std::uint8_t& flags) {
  return packItemsForAnotherPe(&PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args), nullptr, args, kwargs, flags,
                               nullptr);
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
  std::uint8_t flags = gather ? kReplyGathered : 0;
  charm::MessageBuffer m = packBroadcast(cargs, ckwargs == Py_None ? nullptr : ckwargs, flags);
  if (!m) return nullptr;
  countSent(charm::payloadSizeOf(m));
  return guarded([&] {
    rt().broadcastEntry(collection, static_cast<charm::EntryId>(entry), std::move(m),
                        charm::FutureRef{replyPe, fid}, flags);
    Py_RETURN_NONE;
  });
}

}  // namespace charmpy
