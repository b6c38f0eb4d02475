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

}  // namespace

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
  return true;
}

bool plainDescr(PyObject* descr) {
  return ready() && PyArray_DescrCheck(descr) && plainKind(reinterpret_cast<PyArray_Descr*>(descr)->kind) &&
         reinterpret_cast<PyArray_Descr*>(descr)->elsize > 0;
}

PyRef newArrayCopy(PyObject* descrObject, int ndim, const std::int64_t* shape, const void* data,
                   std::size_t nbytes) {
  if (ndim > NPY_MAXDIMS) {  // descr: plainDescr said yes (the caller's cache keeps that)
    PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload");
    return {};
  }
  auto* descr = reinterpret_cast<PyArray_Descr*>(descrObject);
  // The shape must describe exactly the bytes received (checked without overflow)
  // before anything is allocated from it.
  npy_intp dims[NPY_MAXDIMS];
  std::size_t expected = static_cast<std::size_t>(descr->elsize);
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0 || __builtin_mul_overflow(expected, static_cast<std::size_t>(shape[d]), &expected)) {
      expected = ~std::size_t{0};
      break;
    }
    dims[d] = static_cast<npy_intp>(shape[d]);
  }
  if (expected != nbytes) {
    PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload");
    return {};
  }
  Py_INCREF(descr);  // PyArray_NewFromDescr steals it
  PyRef array = PyRef::steal(PyArray_NewFromDescr(&PyArray_Type, descr, ndim, dims, nullptr, nullptr, 0, nullptr));
  if (array && nbytes) std::memcpy(PyArray_DATA(reinterpret_cast<PyArrayObject*>(array.get())), data, nbytes);
  return array;
}

}  // namespace charmpy::numpy
