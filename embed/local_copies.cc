#include "local_copies.h"

#include <cstdint>
#include <cstring>

#include "message_object.h"
#include "module_support.h"
#include "numpy_arrays.h"

namespace charmpy {

namespace {

constexpr std::size_t align16(std::size_t n) { return (n + 15) & ~std::size_t{15}; }
constexpr std::size_t kFastHeader = 16;  // FastCodec's payload header
constexpr int kMaxDims = 32;             // FastCodec::pack encodes up to 32 dimensions

// FastCodec::pack's size of a number item (tag and value); 0 when `o` is no such item.
std::size_t numberItemSize(PyObject* o) {
  if (o == Py_None || o == Py_True || o == Py_False) return 1;
  if (PyLong_CheckExact(o)) {
    int overflow = 0;
    PyLong_AsLongLongAndOverflow(o, &overflow);
    if (PyErr_Occurred()) PyErr_Clear();
    return overflow ? 0 : 9;
  }
  return PyFloat_CheckExact(o) ? 9 : 0;
}

}  // namespace

PyRef copyArgsForThisPe(PyObject* const* items, Py_ssize_t n, std::size_t& payloadBytes) {
  constexpr Py_ssize_t kMostItems = 8;
  if (n < 1 || n > kMostItems) return {};
  // First decide (nothing made yet): every item qualifies, one at least is an array.
  numpy::PlainArray arrays[kMostItems];
  PyObject* dtypes[kMostItems] = {};
  std::size_t size = kFastHeader;
  bool anyArray = false;
  FastCodec& codec = embedState().fast;
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* o = items[k];
    if (const std::size_t s = numberItemSize(o)) {
      size += s;
      continue;
    }
    numpy::PlainArray& a = arrays[k];
    if (!numpy::plainArray(o, a) || a.nbytes <= FastCodec::kCopyBelow || a.ndim > kMaxDims) return {};
    std::size_t textLength = 0;
    dtypes[k] = codec.receivedDtype(a.descr, textLength);
    if (!dtypes[k]) return {};
    // As FastCodec::pack: tag, dtype length and text, ndim, shape, byte count, then aligned data.
    size += 1 + 1 + textLength + 1 + 8 * static_cast<std::size_t>(a.ndim) + 8;
    size = align16(size) + align16(a.nbytes);
    anyArray = true;
  }
  if (!anyArray) return {};
  PyRef args = PyRef::steal(PyTuple_New(n));
  if (!args) return {};
  for (Py_ssize_t k = 0; k < n; ++k) {
    if (!dtypes[k]) {
      PyTuple_SET_ITEM(args.get(), k, Py_NewRef(items[k]));
      continue;
    }
    const numpy::PlainArray& a = arrays[k];
    charm::MessageBuffer buffer = charm::MessageBuffer::allocate(a.nbytes);
    std::byte* data = buffer.data();  // the block moves with the buffer
    std::memcpy(data, a.data, a.nbytes);
    PyRef owner = wrapMessage(std::move(buffer));
    if (!owner) return {};
    std::int64_t shape[kMaxDims];
    for (int d = 0; d < a.ndim; ++d) shape[d] = static_cast<std::int64_t>(a.shape[d]);
    PyRef copy = numpy::newArrayOver(dtypes[k], a.ndim, shape, data, a.nbytes, owner.get(), /*writable=*/true);
    if (!copy) return {};
    PyTuple_SET_ITEM(args.get(), k, copy.release());
  }
  payloadBytes = size;
  return args;
}

}  // namespace charmpy
