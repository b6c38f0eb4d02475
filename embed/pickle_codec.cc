#include "pickle_codec.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace charmpy {

namespace {
constexpr std::size_t kHeader = 16;
constexpr std::size_t align16(std::size_t n) { return (n + 15) & ~std::size_t{15}; }

long longAttribute(PyObject* module, const char* name) {
  PyRef value = PyRef::steal(PyObject_GetAttrString(module, name));
  return value ? PyLong_AsLong(value.get()) : -1;
}
}  // namespace

// Mirrors _pickling._box: a bytes or bytearray (exact types) of minBytes or more,
// itself or inside tuples, lists and dict values down to maxDepth levels.
bool PickleCodec::holdsLargeBytes(PyObject* obj, long depth) const {
  PyTypeObject* type = Py_TYPE(obj);
  if (type == &PyBytes_Type) return PyBytes_GET_SIZE(obj) >= boxMinBytes_;
  if (type == &PyByteArray_Type) return PyByteArray_GET_SIZE(obj) >= boxMinBytes_;
  if (depth >= boxDepth_) return false;
  if (type == &PyTuple_Type) {
    for (Py_ssize_t i = 0, n = PyTuple_GET_SIZE(obj); i < n; ++i)
      if (holdsLargeBytes(PyTuple_GET_ITEM(obj, i), depth + 1)) return true;
  } else if (type == &PyList_Type) {
    // Re-read the size each time: nothing here runs Python code, but stay safe.
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(obj); ++i)
      if (holdsLargeBytes(PyList_GET_ITEM(obj, i), depth + 1)) return true;
  } else if (type == &PyDict_Type) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(obj, &pos, &key, &value))
      if (holdsLargeBytes(value, depth + 1)) return true;
  }
  return false;
}

bool PickleCodec::init() {
  PyRef pickle = PyRef::steal(PyImport_ImportModule("pickle"));
  PyRef pickling = PyRef::steal(PyImport_ImportModule("charmpy._pickling"));
  if (!pickle || !pickling) return false;
  outOfBandDumps_ = PyRef::steal(PyObject_GetAttrString(pickling.get(), "dumps"));
  unboxedDumps_ = PyRef::steal(PyObject_GetAttrString(pickling.get(), "dumps_unboxed"));
  boxMinBytes_ = longAttribute(pickling.get(), "_OUT_OF_BAND_MIN_BYTES");
  boxDepth_ = longAttribute(pickling.get(), "_BOX_DEPTH");
  if (boxMinBytes_ < 0 || boxDepth_ < 0) return false;
  dumps_ = PyRef::steal(PyObject_GetAttrString(pickle.get(), "dumps"));
  loads_ = PyRef::steal(PyObject_GetAttrString(pickle.get(), "loads"));
  protocol_ = PyRef::steal(PyLong_FromLong(5));
  kwnamesLoads_ = PyRef::steal(Py_BuildValue("(s)", "buffers"));
  return outOfBandDumps_ && unboxedDumps_ && dumps_ && loads_ && protocol_ && kwnamesLoads_;
}

PickleCodec::Pickled::~Pickled() {
  for (Py_buffer& view : views_) PyBuffer_Release(&view);
}

bool PickleCodec::pickle(PyObject* obj, Pickled& out) {
  static_assert(sizeof(Header) == kHeader);
  PyRef buffers = PyRef::steal(PyList_New(0));
  if (!buffers) return false;
  PyRef append = PyRef::steal(PyObject_GetAttrString(buffers.get(), "append"));
  PyObject* args[] = {obj, append.get()};
  PyObject* dumps = holdsLargeBytes(obj, 0) ? outOfBandDumps_.get() : unboxedDumps_.get();
  out.pickled_ = PyRef::steal(PyObject_Vectorcall(dumps, args, 2, nullptr));
  if (!out.pickled_) return false;
  char* pickleData = nullptr;
  Py_ssize_t pickleLength = 0;
  if (PyBytes_AsStringAndSize(out.pickled_.get(), &pickleData, &pickleLength) < 0) return false;
  out.pickleData_ = pickleData;
  out.pickleLength_ = static_cast<std::size_t>(pickleLength);
  out.size_ = kHeader + align16(out.pickleLength_);
  const Py_ssize_t count = PyList_GET_SIZE(buffers.get());
  out.views_.reserve(static_cast<std::size_t>(count));
  for (Py_ssize_t i = 0; i < count; ++i) {
    Py_buffer view;
    if (PyObject_GetBuffer(PyList_GET_ITEM(buffers.get(), i), &view, PyBUF_CONTIG_RO) < 0) return false;
    out.views_.push_back(view);
    out.size_ += kHeader + align16(static_cast<std::size_t>(view.len));
  }
  return true;
}

charm::MessageBuffer PickleCodec::pack(PyObject* obj, charm::MessageKind kind) {
  Pickled pickled;
  if (!pickle(obj, pickled)) return {};
  charm::MessageBuffer m = charm::newMessage(kind, pickled.size());
  std::byte* out = charm::payloadOf(m);
  pickled.writeTo([&out](const void* data, std::size_t length) {
    if (length != 0) std::memcpy(out, data, length);
    out += length;
  });
  return m;
}

std::uint32_t PickleCodec::bufferCount(const std::byte* payload, std::size_t size) {
  if (size < kHeader) return 0;
  Header h;
  std::memcpy(&h, payload, sizeof h);
  return h.bufferCount;
}

PyRef PickleCodec::unpack(const std::byte* payload, std::size_t size, PyObject* owner,
                          const std::byte* ownerBase) {
  Header h;
  if (size < kHeader) {
    PyErr_SetString(PyExc_ValueError, "charmpy: truncated message payload");
    return {};
  }
  std::memcpy(&h, payload, sizeof h);
  // Lengths are compared with the bytes left, never added to (a corrupt one could
  // wrap around); each buffer takes at least its header, which bounds the count.
  auto corrupt = [] {
    PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload");
    return PyRef();
  };
  if (h.length > size - kHeader) return corrupt();
  PyRef pickleView;
  if (h.bufferCount == 0) {
    // No out-of-band data: read the pickle in place, no owner needed.
    pickleView = PyRef::steal(PyMemoryView_FromMemory(
        reinterpret_cast<char*>(const_cast<std::byte*>(payload + kHeader)),
        static_cast<Py_ssize_t>(h.length), PyBUF_READ));
    if (!pickleView) return {};
    PyObject* args[] = {pickleView.get()};
    return PyRef::steal(PyObject_Vectorcall(loads_.get(), args, 1, nullptr));
  }
  std::size_t at = kHeader + align16(static_cast<std::size_t>(h.length));
  if (at > size || h.bufferCount > (size - at) / kHeader) return corrupt();
  if (!owner) {
    PyErr_SetString(PyExc_SystemError, "charmpy: out-of-band buffers need the message that holds them");
    return {};
  }
  const std::size_t base = static_cast<std::size_t>(payload - ownerBase);
  pickleView = viewOf(owner, base + kHeader, static_cast<std::size_t>(h.length));
  PyRef list = PyRef::steal(PyList_New(h.bufferCount));
  if (!pickleView || !list) return {};
  for (std::uint32_t i = 0; i < h.bufferCount; ++i) {
    Header bh;
    if (kHeader > size - at) return corrupt();
    std::memcpy(&bh, payload + at, sizeof bh);
    at += kHeader;
    if (bh.length > size - at) return corrupt();
    PyRef view = viewOf(owner, base + at, static_cast<std::size_t>(bh.length));
    if (!view) return {};
    PyList_SET_ITEM(list.get(), i, view.release());
    // The last buffer's padding may be cut (the end of the message); `at` then
    // passes `size`, which only a further buffer would notice.
    at = std::min(size, at + align16(static_cast<std::size_t>(bh.length)));
  }
  PyObject* args[] = {pickleView.get(), list.get()};
  return PyRef::steal(PyObject_Vectorcall(loads_.get(), args, 1, kwnamesLoads_.get()));
}

PyRef PickleCodec::dumpsInBand(PyObject* obj) {
  PyObject* args[] = {obj, protocol_.get()};
  return PyRef::steal(PyObject_Vectorcall(dumps_.get(), args, 2, nullptr));
}

PyRef PickleCodec::loadsBytes(const char* data, std::size_t size) {
  PyRef view = PyRef::steal(PyMemoryView_FromMemory(const_cast<char*>(data),
                                                    static_cast<Py_ssize_t>(size), PyBUF_READ));
  if (!view) return {};
  PyObject* args[] = {view.get()};
  return PyRef::steal(PyObject_Vectorcall(loads_.get(), args, 1, nullptr));
}

}  // namespace charmpy
