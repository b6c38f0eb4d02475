// Moving Python chares between PEs (and load balancing's AtSync/resumeFromSync):
// the package's pack_chare hook gives the chare's state (its __getstate__, or its
// __dict__ without the attributes the runtime owns), the codec pickles it with its
// arrays out of band, copied once into the migration message, and on the new PE
// unpack_chare rebuilds the object from the state, whose arrays view the message
// (thisProxy/thisIndex set again, __setstate__ honoured) before migrated() runs.
// Also the `_charmpy` functions migrate/set_migratable, and the forward hook that
// repacks a same-PE (by-reference) call whose element has moved.
#include <cstring>
#include <string>

#include "module_support.h"
#include "runtime/collection.h"

namespace charmpy {

void PythonChare::packState(charm::Pup& p) {
  if (p.isSizing() || !packed_) {
    EmbedState& st = embedState();
    if (!st.packChare) throw std::logic_error("charmpy: no pack_chare hook is set");
    PyObject* args[] = {object_.get()};
    PyRef state = PyRef::steal(PyObject_Vectorcall(st.packChare.get(), args, 1, nullptr));
    packed_ = std::make_unique<PickleCodec::Pickled>();
    if (!state || !st.codec.pickle(state.get(), *packed_))
      abortWithPythonError(std::string("pickling the state of a migrating ") + Py_TYPE(object_.get())->tp_name);
  }
  // Arrays go from the chare's memory straight into the message.
  packed_->writeTo([&p](const void* data, std::size_t length) { p.bytes(const_cast<void*>(data), length); });
  if (p.isPacking()) packed_.reset();
}

void PythonChare::migrated() {
  PyRef r = PyRef::steal(PyObject_CallMethod(object_.get(), "migrated", nullptr));
  if (!r) handleUncaught(std::string(Py_TYPE(object_.get())->tp_name) + ".migrated");
  recheckWaiting(object_.get());
}

std::string PythonChare::busyReason() const {
  if (runningCoroutines > 0) return "a coroutine of it is running";
  static PyObject* constructing = PyUnicode_InternFromString("_charmpy_constructing");  // kept for the process
  if (constructing && instanceAttribute(object_.get(), constructing)) return "its constructor is running";
  return {};
}

std::unique_ptr<charm::ChareBase> constructMigratedPythonChare(charm::InvokeContext& ctx) {
  EmbedState& st = embedState();
  const PythonEntry& entry = st.entries.at(ctx.entry);
  const auto& where = st.runtime->collections().constructionContext();
  const charm::Collection* c = st.runtime->collections().find(where.collection);
  PyRef dims = PyRef::borrow(Py_None);
  int home = -1;
  if (c && c->kind() == charm::CollectionKind::Array) dims = indexToTuple(c->spec().dims);
  if (c && c->kind() == charm::CollectionKind::Singleton) home = c->spec().onPe;
  // The state's arrays view the message (adopted), so they are not copied again.
  PyRef state;
  if (PickleCodec::bufferCount(ctx.payload, ctx.payloadSize) == 0) {
    state = st.codec.unpack(ctx.payload, ctx.payloadSize, nullptr, nullptr);
  } else if (OwnedPayload owned = ownPayload(ctx); owned.owner) {
    state = st.codec.unpack(owned.payload, ctx.payloadSize, owned.owner.get(), owned.base);
  }
  if (!state)
    abortWithPythonError(std::string("unpickling a migrated ") +
                         reinterpret_cast<PyTypeObject*>(entry.cls.get())->tp_name);
  PyRef id = PyRef::steal(PyLong_FromUnsignedLongLong(where.collection));
  PyRef index = indexToTuple(where.index);
  PyRef kind = PyRef::steal(PyLong_FromLong(entry.kind));
  PyRef homePe = PyRef::steal(PyLong_FromLong(home));
  if (!st.unpackChare) throw std::logic_error("charmpy: no unpack_chare hook is set");
  PyObject* args[] = {entry.cls.get(), kind.get(), id.get(), index.get(), dims.get(), homePe.get(), state.get()};
  PyRef object = PyRef::steal(PyObject_Vectorcall(st.unpackChare.get(), args, 7, nullptr));
  if (!object)
    abortWithPythonError(std::string("unpickling a migrated ") +
                         reinterpret_cast<PyTypeObject*>(entry.cls.get())->tp_name);
  return std::make_unique<PythonChare>(std::move(object), ctx.entry);
}

namespace {
charm::ChareBase* chareOf(PyObject* object, const char* what) {
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(object);
  if (it == st.chareOfObject.end()) {
    PyErr_Format(PyExc_RuntimeError, "charmpy: %s() is for a chare on its own PE", what);
    return nullptr;
  }
  return it->second;
}
}  // namespace

// migrate(chare, pe): moves the chare once the running entry method returned.
PyObject* py_migrate(PyObject*, PyObject* args) {
  PyObject* object;
  int pe;
  if (!PyArg_ParseTuple(args, "Oi", &object, &pe)) return nullptr;
  charm::ChareBase* chare = chareOf(object, "migrate");
  if (!chare) return nullptr;
  return guarded([&] {
    rt().locations().requestMigration(chare->collectionId(), chare->chareIndex(), pe);
    Py_RETURN_NONE;
  });
}

PyObject* py_at_sync(PyObject*, PyObject* object) {
  charm::ChareBase* chare = chareOf(object, "AtSync");
  if (!chare) return nullptr;
  return guarded([&] {
    chare->AtSync();
    Py_RETURN_NONE;
  });
}

PyObject* py_lb_instrument(PyObject*, PyObject* on) {
  if (on == Py_None) return PyBool_FromLong(rt().loadMeter().instrumentation());  // query
  const int flag = PyObject_IsTrue(on);
  if (flag < 0) return nullptr;
  rt().loadMeter().setInstrumentation(flag != 0);
  Py_RETURN_NONE;
}

void PythonChare::resumeFromSync() {
  PyRef r = PyRef::steal(PyObject_CallMethod(object_.get(), "resumeFromSync", nullptr));
  if (!r) handleUncaught(std::string(Py_TYPE(object_.get())->tp_name) + ".resumeFromSync");
  // Like any entry method: calls waiting for the state it set (@when) may now run.
  recheckWaiting(object_.get());
}

PyObject* py_set_migratable(PyObject*, PyObject* args) {
  PyObject* object;
  int migratable;
  if (!PyArg_ParseTuple(args, "Op", &object, &migratable)) return nullptr;
  charm::ChareBase* chare = chareOf(object, "setMigratable");
  if (!chare) return nullptr;
  chare->setMigratable(migratable != 0);
  Py_RETURN_NONE;
}

// chare_state(chare): (migratable, running coroutines) of a chare living on this PE,
// None for any other object (charm4py programs read them as Chare.migratable and
// Chare._numthreads).
PyObject* py_chare_state(PyObject*, PyObject* object) {
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(object);
  if (it == st.chareOfObject.end()) Py_RETURN_NONE;
  const auto* chare = static_cast<const PythonChare*>(it->second);
  return Py_BuildValue("(Oi)", chare->migratable() ? Py_True : Py_False, chare->runningCoroutines);
}

void makeRemotable(charm::MessageBuffer& message) {
  charm::Envelope& env = charm::envelopeOf(message);
  if (env.kind != charm::MessageKind::EntryCall || !(env.flags & kCallByReference)) return;
  PyRef args, kwargs;
  takeByReference(charm::payloadOf(message), args, kwargs);  // the message owned these references
  std::uint8_t flags = static_cast<std::uint8_t>(env.flags & ~kCallByReference);
  flags &= static_cast<std::uint8_t>(~kCallFast);
  PyRef call = PyRef::steal(PyTuple_Pack(2, args.get(), kwargs ? kwargs.get() : Py_None));
  if (!call) abortWithPythonError("repacking a call to a chare that moved");
  charm::MessageBuffer packed = packForAnotherPe(call.get(), args.get(), kwargs.get(), flags, nullptr);
  if (!packed) abortWithPythonError("pickling the arguments of a call to a chare that moved");
  charm::Envelope& out = charm::envelopeOf(packed);
  const std::uint64_t payloadSize = out.payloadSize;
  out = env;
  out.payloadSize = payloadSize;
  out.flags = flags;
  message = std::move(packed);
}

}  // namespace charmpy
