// The NumPy C API where a remote call's arguments need it: small arrays are read
// from their fields (no attribute lookups, no buffer export) when sent, and made
// with PyArray_NewFromDescr when received (no numpy.frombuffer call), or in one
// kept from an earlier message (keepReceived). The API is
// loaded on first use: sending sees an ndarray only once the program imported
// NumPy, and receiving one imports it as numpy.frombuffer did.
#pragma once

#include <cstddef>
#include <cstdint>

#include "py_ref.h"

namespace charmpy::numpy {

// A C-contiguous, aligned array of a plain numeric dtype (bool, int, uint,
// float, complex) seen in place: what the fast codec copies into a message.
struct PlainArray {
  PyObject* descr;     // its dtype (borrowed)
  const void* data;
  int ndim;
  const Py_ssize_t* shape;
  std::size_t nbytes;
  bool writable;
};

// True, with `out` filled, when `o` is an exact numpy.ndarray as above; false
// (no exception set) for anything else.
bool plainArray(PyObject* o, PlainArray& out);

// True when `descr` is a numpy.dtype of a plain numeric kind with a non-zero size:
// one newArrayCopy makes arrays of.
bool plainDescr(PyObject* descr);

// Arrays up to this size (bytes) may be kept for reuse by keepReceived.
constexpr std::size_t kKeepUpTo = 4096;

// After an entry method returned: the arguments tuple `args` that the fast codec
// made for it (unpack) hands back those of its small arrays that nothing else
// refers to (the tuple holds the only reference: the method did not keep them)
// and that are as PyArray_NewFromDescr made them (see asNew), unless a weak
// reference, a view, a base, a changed flag, dtype, shape or strides says
// otherwise. The next newArrayCopy of the same dtype object and shape fills one of
// them instead of making an array: a PyArray_NewFromDescr and an array's
// deallocation less per message. Nothing can tell: such an array is unreachable,
// and its next owner gets it with new contents in the state of a new one. A few
// are kept (the oldest given up when more come), each at most kKeepUpTo bytes.
void keepReceived(PyObject* args);

// A new C-contiguous array of dtype `descr` (which plainDescr must have accepted:
// not checked again) and `shape` holding a
// copy of `nbytes` at `data`; null with ValueError set when `nbytes` is not the
// shape's size (a corrupt message), or another Python exception.
PyRef newArrayCopy(PyObject* descr, int ndim, const std::int64_t* shape, const void* data, std::size_t nbytes);

// A C-contiguous array of dtype `descr` (as above) and `shape` over the `nbytes`
// at `data`, memory that `owner` keeps alive: the array holds a reference to
// `owner` as its base (no buffer export, no memoryview). Writable when
// `writable`. Null with ValueError set when `nbytes` is not the shape's size.
PyRef newArrayOver(PyObject* descr, int ndim, const std::int64_t* shape, void* data, std::size_t nbytes,
                   PyObject* owner, bool writable);

}  // namespace charmpy::numpy
