#include "numpy_arrays.h"

#include <cstring>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL charmpy_numpy_api
#include <numpy/arrayobject.h>

namespace charmpy::numpy {

namespace {

// Loads the C API once; false (no exception set) when NumPy cannot be imported.
bool ready() {
  static int state = 0;  // 0: not tried, 1: loaded, -1: unavailable
  if (state == 0) {
    state = _import_array() == 0 ? 1 : -1;
    if (state < 0) PyErr_Clear();
  }
  return state > 0;
}

bool plainKind(char kind) {
  return kind == 'b' || kind == 'i' || kind == 'u' || kind == 'f' || kind == 'c';
}

// Received arrays kept for reuse (keepReceived), each the only reference to it;
// replaced in turn when all are taken.
constexpr int kKept = 4;
PyArrayObject* kept[kKept] = {};
int nextKept = 0;

// A kept array of `descr` and this shape, or null; the caller owns it.
PyArrayObject* takeKept(PyArray_Descr* descr, int ndim, const npy_intp* dims) {
  for (PyArrayObject*& a : kept) {
    if (!a || PyArray_DESCR(a) != descr || PyArray_NDIM(a) != ndim) continue;
    bool same = true;
    for (int d = 0; d < ndim && same; ++d) same = PyArray_DIMS(a)[d] == dims[d];
    if (!same) continue;
    PyArrayObject* taken = a;
    a = nullptr;
    return taken;
  }
  return nullptr;
}

// True when `a` (an exact ndarray nothing else refers to) is in the state
// PyArray_NewFromDescr gives a new small array of its dtype and shape: its own
// aligned, writable memory, C strides, no base, no weak reference (a weak
// reference must see it die), no flag a program set (read-only, not aligned).
bool asNew(PyArrayObject* a) {
  auto* fields = reinterpret_cast<PyArrayObject_fields*>(a);
  if (fields->base || fields->weakreflist || !PyArray_DATA(a)) return false;
  constexpr int kNeed = NPY_ARRAY_OWNDATA | NPY_ARRAY_WRITEABLE | NPY_ARRAY_ALIGNED | NPY_ARRAY_C_CONTIGUOUS;
  constexpr int kAllowed = kNeed | NPY_ARRAY_F_CONTIGUOUS;  // what the shape gives
  const int flags = PyArray_FLAGS(a);
  if ((flags & kNeed) != kNeed || (flags & ~kAllowed)) return false;
  PyArray_Descr* descr = PyArray_DESCR(a);
  if (!plainKind(descr->kind) || descr->elsize <= 0) return false;
  // The strides a new array gets (numpy's _array_fill_strides): a zero extent
  // does not multiply.
  npy_intp stride = descr->elsize;
  for (int d = PyArray_NDIM(a) - 1; d >= 0; --d) {
    if (PyArray_STRIDES(a)[d] != stride) return false;
    if (PyArray_DIMS(a)[d]) stride *= PyArray_DIMS(a)[d];
    if (stride > static_cast<npy_intp>(kKeepUpTo)) return false;
  }
  return true;
}

}  // namespace

void keepReceived(PyObject* args) {
  if (!PyArray_API) return;  // no array made yet
  if (!PyTuple_CheckExact(args) || Py_REFCNT(args) != 1) return;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args); ++i) {
    PyObject* o = PyTuple_GET_ITEM(args, i);
    if (Py_REFCNT(o) != 1 || !PyArray_CheckExact(o) || !asNew(reinterpret_cast<PyArrayObject*>(o))) continue;
    PyArrayObject*& slot = kept[nextKept];
    nextKept = (nextKept + 1) % kKept;
    Py_XSETREF(slot, reinterpret_cast<PyArrayObject*>(Py_NewRef(o)));
  }
}

bool plainArray(PyObject* o, PlainArray& out) {
  if (!ready() || !PyArray_CheckExact(o)) return false;
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  PyArray_Descr* descr = PyArray_DESCR(a);
  if (!plainKind(descr->kind) || !PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a)) return false;
  std::size_t nbytes = static_cast<std::size_t>(PyArray_ITEMSIZE(a));
  for (int d = 0; d < PyArray_NDIM(a); ++d) nbytes *= static_cast<std::size_t>(PyArray_DIMS(a)[d]);
  out.descr = reinterpret_cast<PyObject*>(descr);
  out.data = PyArray_DATA(a);
  out.ndim = PyArray_NDIM(a);
  out.shape = PyArray_DIMS(a);
  out.nbytes = nbytes;
  out.writable = PyArray_ISWRITEABLE(a);
  return true;
}

bool plainDescr(PyObject* descr) {
  return ready() && PyArray_DescrCheck(descr) && plainKind(reinterpret_cast<PyArray_Descr*>(descr)->kind) &&
         reinterpret_cast<PyArray_Descr*>(descr)->elsize > 0;
}

namespace {

// The dimensions of an array of `descr` and `shape` holding exactly `nbytes`
// (checked without overflow, before anything is allocated from the shape); false
// with ValueError set when they do not match (a corrupt message).
bool dimsFor(PyArray_Descr* descr, int ndim, const std::int64_t* shape, std::size_t nbytes, npy_intp* dims) {
  std::size_t expected = static_cast<std::size_t>(descr->elsize);
  bool fits = ndim <= NPY_MAXDIMS;
  for (int d = 0; fits && d < ndim; ++d) {
    fits = shape[d] >= 0 && !__builtin_mul_overflow(expected, static_cast<std::size_t>(shape[d]), &expected);
    dims[d] = static_cast<npy_intp>(shape[d]);
  }
  if (fits && expected == nbytes) return true;
  PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload");
  return false;
}

}  // namespace

PyRef newArrayCopy(PyObject* descrObject, int ndim, const std::int64_t* shape, const void* data,
                   std::size_t nbytes) {
  auto* descr = reinterpret_cast<PyArray_Descr*>(descrObject);  // plainDescr said yes (the caller's cache keeps that)
  npy_intp dims[NPY_MAXDIMS];
  if (!dimsFor(descr, ndim, shape, nbytes, dims)) return {};
  if (PyArrayObject* reused = takeKept(descr, ndim, dims)) {
    if (nbytes) std::memcpy(PyArray_DATA(reused), data, nbytes);
    return PyRef::steal(reinterpret_cast<PyObject*>(reused));
  }
  Py_INCREF(descr);  // PyArray_NewFromDescr steals it
  PyRef array = PyRef::steal(PyArray_NewFromDescr(&PyArray_Type, descr, ndim, dims, nullptr, nullptr, 0, nullptr));
  if (array && nbytes) std::memcpy(PyArray_DATA(reinterpret_cast<PyArrayObject*>(array.get())), data, nbytes);
  return array;
}

PyRef newArrayOver(PyObject* descrObject, int ndim, const std::int64_t* shape, void* data, std::size_t nbytes,
                   PyObject* owner, bool writable) {
  auto* descr = reinterpret_cast<PyArray_Descr*>(descrObject);
  npy_intp dims[NPY_MAXDIMS];
  if (!dimsFor(descr, ndim, shape, nbytes, dims)) return {};
  Py_INCREF(descr);  // PyArray_NewFromDescr steals it
  // NumPy sets the alignment flag from `data` itself.
  PyRef array = PyRef::steal(PyArray_NewFromDescr(&PyArray_Type, descr, ndim, dims, nullptr, data,
                                                  writable ? NPY_ARRAY_CARRAY : NPY_ARRAY_CARRAY_RO, nullptr));
  if (!array) return {};
  Py_INCREF(owner);  // PyArray_SetBaseObject steals it (and drops it on failure)
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(array.get()), owner) < 0) return {};
  return array;
}

}  // namespace charmpy::numpy
