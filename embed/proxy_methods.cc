// The per-message path of a proxy call in C: `proxy[i].method(x)` from Python runs
// no Python frame. Two kinds of _charmpy.ProxyMethod objects sit in the proxy
// classes of proxy.py (which still defines every behaviour in Python):
//   - an entry caller (one per entry method): `proxy.method(*args)` packs and sends
//     the call as _charmpy.send / broadcast would; a call with keyword arguments
//     (ret=, awaitable=, or the method's own), or made while start-up holds calls,
//     goes to the Python method it stands for (its `fallback`);
//   - an element getter (`__getitem__` of group and array proxies): `group[pe]` and
//     `array[i, j]` of a dense array on the default map make the element proxy here;
//     anything else (slices, sparse or mapped arrays, errors) goes to the fallback.
// Two more kinds front methods of other classes on per-message paths, with no
// Python frame when they take the call:
//   - Future.get() (futures.py) of a local future of one value (FutureSlots::get);
//   - Chare.allreduce(data, reducer) (chare.py) of one number, or of nothing, over
//     the whole collection (allreduceScalar, module_allreduce.cc).
// All are method descriptors (Py_TPFLAGS_METHOD_DESCRIPTOR): CPython calls them
// with the object as first argument and makes no bound method. The proxy kinds read
// the proxy's slots (_cid, _index, _pe, _dims) at the offsets proxy.py registered.
#include <cstddef>
#include <vector>

#include "future_slots.h"
#include "module_support.h"
// After Python.h (module_support.h): T_OBJECT and the member descriptors.
#include <structmember.h>
#include "runtime/collection.h"

namespace charmpy {

namespace {

enum MethodKind : int { kEntryCall = 0, kGroupItem = 1, kArrayItem = 2, kFutureGet = 3, kChareAllreduce = 4 };

struct ProxyMethod {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* fallback;  // the Python function with the full behaviour
  PyObject* ep;        // entry callers: the entry number (charm4py's `method.ep`); else None
  PyObject* name;
  PyObject* qualname;
  PyObject* doc;
  charm::EntryId entry;
  int kind;
};

PyTypeObject proxyMethodType = {PyVarObject_HEAD_INIT(nullptr, 0) "_charmpy.ProxyMethod"};

// A slot of `proxy` (borrowed; null when unset).
inline PyObject* slot(PyObject* proxy, Py_ssize_t offset) {
  return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(proxy) + offset);
}

inline void setSlot(PyObject* proxy, Py_ssize_t offset, PyObject* value) {
  PyObject** at = reinterpret_cast<PyObject**>(reinterpret_cast<char*>(proxy) + offset);
  Py_XSETREF(*at, Py_NewRef(value));
}

// The proxy at args[0] when the fast path may read it, else null.
inline PyObject* fastProxy(PyObject* const* args, Py_ssize_t n, PyObject* kwnames) {
  const EmbedState::ProxyLayout& layout = embedState().proxyLayout;
  if (kwnames || n < 1 || !layout.type) return nullptr;
  PyObject* proxy = args[0];
  return PyObject_TypeCheck(proxy, reinterpret_cast<PyTypeObject*>(layout.type.get())) ? proxy : nullptr;
}

PyObject* broadcastCall(charm::CollectionId collection, charm::EntryId entry, PyObject* const* items,
                        Py_ssize_t n) {
  std::uint8_t flags = 0;
  charm::MessageBuffer m = packItemsForAnotherPe(items, n, nullptr, nullptr, nullptr, flags, nullptr);
  if (!m) return nullptr;
  countSent(charm::payloadSizeOf(m));
  return guarded([&] {
    rt().broadcastEntry(collection, entry, std::move(m), charm::FutureRef{}, flags);
    Py_RETURN_NONE;
  });
}

// proxy.method(*args), as proxy.py's _entry_caller does it.
PyObject* callEntry(ProxyMethod* self, PyObject* const* args, Py_ssize_t n, PyObject* kwnames) {
  const EmbedState& st = embedState();
  PyObject* proxy = st.callsHeld ? nullptr : fastProxy(args, n, kwnames);
  if (!proxy) return nullptr;
  const EmbedState::ProxyLayout& layout = st.proxyLayout;
  PyObject* cid = slot(proxy, layout.cid);
  PyObject* index = slot(proxy, layout.index);
  if (!cid || !index) return nullptr;
  const charm::CollectionId collection = PyLong_AsUnsignedLongLong(cid);
  if (collection == static_cast<charm::CollectionId>(-1) && PyErr_Occurred()) return nullptr;
  if (index == Py_None) return broadcastCall(collection, self->entry, args + 1, n - 1);
  PyObject* pe = slot(proxy, layout.pe);
  if (!pe) return nullptr;
  charm::ArrayIndex where;
  if (!toIndex(index, where, "index")) return nullptr;
  const long p = PyLong_AsLong(pe);
  if (p == -1 && PyErr_Occurred()) return nullptr;
  return sendCall(collection, where, p, self->entry, args + 1, n - 1, nullptr, nullptr, charm::FutureRef{});
}

// A new element proxy of `collectionProxy`'s class: `index` (a tuple), on `pe`.
PyObject* newElement(PyObject* collectionProxy, PyObject* index, PyObject* pe) {
  const EmbedState::ProxyLayout& layout = embedState().proxyLayout;
  PyObject* cid = slot(collectionProxy, layout.cid);
  PyObject* dims = slot(collectionProxy, layout.dims);
  PyTypeObject* type = Py_TYPE(collectionProxy);
  PyObject* element = type->tp_alloc(type, 0);  // as object.__new__(type(proxy))
  if (!element) return nullptr;
  setSlot(element, layout.cid, cid);
  setSlot(element, layout.index, index);
  setSlot(element, layout.pe, pe);
  setSlot(element, layout.dims, dims);
  return element;
}

// group[pe] for an int pe in range; null (no exception) for the fallback. The
// index tuple (pe,) of each PE is made once: a tuple of an int is immutable.
PyObject* groupItem(PyObject* proxy, PyObject* key) {
  if (!PyLong_CheckExact(key)) return nullptr;
  int overflow = 0;
  const long pe = PyLong_AsLongAndOverflow(key, &overflow);
  if (overflow || pe < 0 || pe >= rt().numPes()) return nullptr;
  static std::vector<PyRef> indexOfPe;  // kept for the process
  if (indexOfPe.empty()) indexOfPe.resize(static_cast<std::size_t>(rt().numPes()));
  PyRef& index = indexOfPe[static_cast<std::size_t>(pe)];
  if (!index) index = PyRef::steal(PyTuple_Pack(1, key));
  return index ? newElement(proxy, index.get(), key) : nullptr;
}

// array[i] / array[i, j, ...] of a dense array on the default map, with ints in
// range; null (no exception) for the fallback.
PyObject* arrayItem(PyObject* proxy, PyObject* key) {
  const EmbedState::ProxyLayout& layout = embedState().proxyLayout;
  PyObject* cid = slot(proxy, layout.cid);
  if (!cid || !slot(proxy, layout.dims)) return nullptr;
  const charm::CollectionId collection = PyLong_AsUnsignedLongLong(cid);
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return nullptr;
  }
  const charm::Collection* c = rt().collections().find(collection);
  if (!c || c->kind() != charm::CollectionKind::Array || c->spec().sparse || c->spec().arrayMap != 0)
    return nullptr;
  const charm::ArrayIndex& dims = c->spec().dims;
  PyRef index;
  if (PyLong_CheckExact(key)) {
    index = PyRef::steal(PyTuple_Pack(1, key));
    if (!index) return nullptr;
  } else if (PyTuple_CheckExact(key)) {
    index = PyRef::borrow(key);  // a tuple of ints: immutable, shared as it is
  } else {
    return nullptr;
  }
  if (PyTuple_GET_SIZE(index.get()) != dims.ndims) return nullptr;
  charm::ArrayIndex where;
  where.ndims = dims.ndims;
  for (int d = 0; d < dims.ndims; ++d) {
    PyObject* item = PyTuple_GET_ITEM(index.get(), d);
    if (!PyLong_CheckExact(item)) return nullptr;
    int overflow = 0;
    const long v = PyLong_AsLongAndOverflow(item, &overflow);
    if (overflow || v < 0 || v >= dims[d]) return nullptr;
    where[d] = static_cast<std::int32_t>(v);
  }
  PyRef pe = PyRef::steal(PyLong_FromLong(charm::defaultMapPe(where, dims, rt().numPes())));
  return pe ? newElement(proxy, index.get(), pe.get()) : nullptr;
}

PyObject* getItem(ProxyMethod* self, PyObject* const* args, Py_ssize_t n, PyObject* kwnames) {
  PyObject* proxy = n == 2 ? fastProxy(args, n, kwnames) : nullptr;
  if (!proxy || slot(proxy, embedState().proxyLayout.index) != Py_None) return nullptr;
  return self->kind == kGroupItem ? groupItem(proxy, args[1]) : arrayItem(proxy, args[1]);
}

// future.get(): null (no exception) for the fallback.
PyObject* futureGet(PyObject* const* args, Py_ssize_t n, PyObject* kwnames) {
  return kwnames || n != 1 ? nullptr : futureSlots().get(args[0]);
}

// chare.allreduce(data=None, reducer=None, section=None) with positional arguments
// and no section: null (no exception) for the fallback.
PyObject* chareAllreduce(PyObject* const* args, Py_ssize_t n, PyObject* kwnames) {
  if (kwnames || n < 1 || n > 4 || (n == 4 && args[3] != Py_None)) return nullptr;
  PyObject* f = allreduceScalar(args[0], n > 1 ? args[1] : Py_None, n > 2 ? args[2] : Py_None);
  if (f != Py_None) return f;
  Py_DECREF(f);
  return nullptr;
}

PyObject* proxyMethodCall(PyObject* callable, PyObject* const* args, std::size_t nargsf, PyObject* kwnames) {
  auto* self = reinterpret_cast<ProxyMethod*>(callable);
  const Py_ssize_t n = PyVectorcall_NARGS(nargsf);
  PyObject* result;
  switch (self->kind) {
    case kEntryCall: result = callEntry(self, args, n, kwnames); break;
    case kFutureGet: result = futureGet(args, n, kwnames); break;
    case kChareAllreduce: result = chareAllreduce(args, n, kwnames); break;
    default: result = getItem(self, args, n, kwnames); break;
  }
  if (result || PyErr_Occurred()) return result;
  return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
}

PyObject* proxyMethodNew(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  PyObject *fallback, *ep = Py_None;
  int kind;
  if (kwargs && PyDict_GET_SIZE(kwargs) != 0)
    return fail(PyExc_TypeError, "ProxyMethod(kind, fallback, entry=None) takes positional arguments");
  if (!PyArg_ParseTuple(args, "iO|O", &kind, &fallback, &ep)) return nullptr;
  if (kind < kEntryCall || kind > kChareAllreduce || !PyCallable_Check(fallback))
    return fail(PyExc_ValueError,
                "ProxyMethod: kind 0 (entry), 1 (group item), 2 (array item), 3 (Future.get) or 4 "
                "(Chare.allreduce) and a callable");
  unsigned long entry = 0;
  if (kind == kEntryCall) {
    entry = PyLong_AsUnsignedLong(ep);
    if (PyErr_Occurred()) return nullptr;
  }
  PyRef name = PyRef::steal(PyObject_GetAttrString(fallback, "__name__"));
  PyRef qualname = PyRef::steal(PyObject_GetAttrString(fallback, "__qualname__"));
  PyRef doc = PyRef::steal(PyObject_GetAttrString(fallback, "__doc__"));
  if (!name || !qualname || !doc) return nullptr;
  auto* self = reinterpret_cast<ProxyMethod*>(type->tp_alloc(type, 0));
  if (!self) return nullptr;
  self->vectorcall = proxyMethodCall;
  self->fallback = Py_NewRef(fallback);
  self->ep = Py_NewRef(ep);
  self->name = name.release();
  self->qualname = qualname.release();
  self->doc = doc.release();
  self->entry = static_cast<charm::EntryId>(entry);
  self->kind = kind;
  return reinterpret_cast<PyObject*>(self);
}

int proxyMethodTraverse(PyObject* o, visitproc visit, void* arg) {
  auto* self = reinterpret_cast<ProxyMethod*>(o);
  Py_VISIT(self->fallback);
  Py_VISIT(self->ep);
  Py_VISIT(self->name);
  Py_VISIT(self->qualname);
  Py_VISIT(self->doc);
  return 0;
}

int proxyMethodClear(PyObject* o) {
  auto* self = reinterpret_cast<ProxyMethod*>(o);
  Py_CLEAR(self->fallback);
  Py_CLEAR(self->ep);
  Py_CLEAR(self->name);
  Py_CLEAR(self->qualname);
  Py_CLEAR(self->doc);
  return 0;
}

void proxyMethodDealloc(PyObject* o) {
  PyObject_GC_UnTrack(o);
  proxyMethodClear(o);
  Py_TYPE(o)->tp_free(o);
}

// proxy.method is a bound method (picklable, a callback: `__func__.ep`); the class
// attribute is the ProxyMethod itself, as a function would be.
PyObject* proxyMethodGet(PyObject* self, PyObject* obj, PyObject*) {
  if (!obj || obj == Py_None) return Py_NewRef(self);
  return PyMethod_New(self, obj);
}

// Attributes it does not have (__module__, __defaults__, __wrapped__ ...) are the fallback's.
PyObject* proxyMethodGetAttr(PyObject* self, PyObject* name) {
  PyObject* value = PyObject_GenericGetAttr(self, name);
  if (value || !PyErr_ExceptionMatches(PyExc_AttributeError)) return value;
  PyErr_Clear();
  return PyObject_GetAttr(reinterpret_cast<ProxyMethod*>(self)->fallback, name);
}

PyObject* proxyMethodRepr(PyObject* self) {
  auto* m = reinterpret_cast<ProxyMethod*>(self);
  return PyUnicode_FromFormat(m->kind <= kArrayItem ? "<proxy method %U>" : "<method %U (C front)>", m->qualname);
}

// __class__: the fronts of plain methods (Future.get, Chare.allreduce) pass
// isinstance(m, types.FunctionType), so inspect.isfunction(Chare.allreduce) is
// True as for the Python method they stand for (as unittest.mock's specs do);
// type(m) stays ProxyMethod, and the function's own attributes (__code__,
// __defaults__ ...) are the fallback's (proxyMethodGetAttr).
PyObject* proxyMethodClass(PyObject* self, void*) {
  PyObject* cls = reinterpret_cast<ProxyMethod*>(self)->kind > kArrayItem
                      ? reinterpret_cast<PyObject*>(&PyFunction_Type)
                      : reinterpret_cast<PyObject*>(Py_TYPE(self));
  return Py_NewRef(cls);
}

PyGetSetDef proxyMethodGetSet[] = {{"__class__", proxyMethodClass, nullptr, nullptr, nullptr},
                                   {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMemberDef proxyMethodMembers[] = {
    {"ep", T_OBJECT, offsetof(ProxyMethod, ep), READONLY, "The entry method's number (entry callers)."},
    {"__wrapped__", T_OBJECT, offsetof(ProxyMethod, fallback), READONLY, "The Python method it stands for."},
    {"__name__", T_OBJECT, offsetof(ProxyMethod, name), 0, nullptr},
    {"__qualname__", T_OBJECT, offsetof(ProxyMethod, qualname), 0, nullptr},
    {"__doc__", T_OBJECT, offsetof(ProxyMethod, doc), 0, nullptr},
    {nullptr}};

}  // namespace

bool initProxyMethodType(PyObject* module) {
  PyTypeObject& t = proxyMethodType;
  t.tp_basicsize = sizeof(ProxyMethod);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR;
  t.tp_doc = "ProxyMethod(kind, fallback, entry=None): a proxy class's method in C (see proxy.py).";
  t.tp_new = proxyMethodNew;
  t.tp_dealloc = proxyMethodDealloc;
  t.tp_traverse = proxyMethodTraverse;
  t.tp_clear = proxyMethodClear;
  t.tp_vectorcall_offset = offsetof(ProxyMethod, vectorcall);
  t.tp_call = PyVectorcall_Call;
  t.tp_descr_get = proxyMethodGet;
  t.tp_getattro = proxyMethodGetAttr;
  t.tp_repr = proxyMethodRepr;
  t.tp_members = proxyMethodMembers;
  t.tp_getset = proxyMethodGetSet;
  if (PyType_Ready(&t) < 0) return false;
  Py_INCREF(&t);
  return PyModule_AddObject(module, "ProxyMethod", reinterpret_cast<PyObject*>(&t)) == 0;
}

PyObject* py_set_proxy_layout(PyObject*, PyObject* type) {
  if (!PyType_Check(type)) return fail(PyExc_TypeError, "set_proxy_layout(Proxy): a class");
  EmbedState::ProxyLayout layout;
  Py_ssize_t* offsets[] = {&layout.cid, &layout.index, &layout.pe, &layout.dims};
  const char* names[] = {"_cid", "_index", "_pe", "_dims"};
  PyObject* dict = reinterpret_cast<PyTypeObject*>(type)->tp_dict;
  for (int i = 0; i < 4; ++i) {
    PyObject* d = PyDict_GetItemString(dict, names[i]);  // borrowed
    if (!d || Py_TYPE(d) != &PyMemberDescr_Type ||
        reinterpret_cast<PyMemberDescrObject*>(d)->d_member->type != T_OBJECT_EX)
      return fail(PyExc_TypeError, std::string("set_proxy_layout: ") + names[i] + " is not a slot of the class");
    *offsets[i] = reinterpret_cast<PyMemberDescrObject*>(d)->d_member->offset;
  }
  layout.type = PyRef::borrow(type);
  embedState().proxyLayout = std::move(layout);
  Py_RETURN_NONE;
}

PyObject* py_set_calls_held(PyObject*, PyObject* held) {
  const int h = PyObject_IsTrue(held);
  if (h < 0) return nullptr;
  embedState().callsHeld = h != 0;
  Py_RETURN_NONE;
}

}  // namespace charmpy
