#include "fast_codec.h"

#include <cstring>
#include <new>
#include <string>

#include "numpy_arrays.h"

namespace charmpy {

namespace {

enum Tag : std::uint8_t { kInt = 1, kFloat, kNone, kTrue, kFalse, kStr, kBytes, kArray };
constexpr std::size_t kHeader = 16;
constexpr std::uint32_t kHasArrays = 1;     // some array views the message
constexpr std::uint64_t kCopyBelow = FastCodec::kCopyBelow;
constexpr std::size_t align16(std::size_t n) { return (n + 15) & ~std::size_t{15}; }

bool isNdarray(PyObject* o) { return std::strcmp(Py_TYPE(o)->tp_name, "numpy.ndarray") == 0; }

// True when nothing can change the memory of `array` (viewed read-only as
// `view`) any more: it is read-only, and so is every array of its base chain,
// which ends in an immutable bytes object (e.g. numpy.frombuffer(some_bytes)).
// Read-only alone is not enough: a read-only view of a writable array changes
// when its base is written, and an array owning its memory can be made writable
// again. Only then may a remote call send the array from its own memory after
// the call returned; anything else is copied into the message at the call.
bool isImmutableArray(PyObject* array, const Py_buffer& view) {
  if (!view.readonly) return false;
  PyRef base = PyRef::steal(PyObject_GetAttrString(array, "base"));
  for (int depth = 0; base && depth < 32; ++depth) {
    PyObject* b = base.get();
    if (PyBytes_CheckExact(b)) return true;
    if (PyMemoryView_Check(b)) {
      if (!PyMemoryView_GET_BUFFER(b)->readonly) return false;
      PyObject* under = PyMemoryView_GET_BUFFER(b)->obj;
      if (!under) return false;
      base = PyRef::borrow(under);
    } else if (isNdarray(b)) {
      Py_buffer inner;
      if (PyObject_GetBuffer(b, &inner, PyBUF_SIMPLE | PyBUF_WRITABLE) == 0) {
        PyBuffer_Release(&inner);
        return false;  // a writable array in the chain: its memory can change
      }
      PyErr_Clear();
      base = PyRef::steal(PyObject_GetAttrString(b, "base"));
    } else {
      return false;  // None (owns its memory) or any other exporter
    }
  }
  PyErr_Clear();
  return false;
}

// One item as it will be written.
struct Item {
  Tag tag;
  std::int64_t i = 0;
  double f = 0;
  const char* data = nullptr;  // str, bytes, arrays: the bytes
  std::size_t size = 0;
  PyRef dtype;       // arrays: dtype.str
  int ndim = 0;      // arrays: the shape
  const Py_ssize_t* shape = nullptr;
  Py_buffer view{};  // arrays read through the buffer protocol
  bool hasView = false;
};

// The items of one pack: up to kInline on the stack (a call's usual few
// arguments: no allocation per message), more on the heap.
class Items {
 public:
  static constexpr std::size_t kInline = 8;
  explicit Items(std::size_t n) : n_(n) {
    if (n > kInline) heap_.resize(n);
    at_ = n > kInline ? heap_.data() : reinterpret_cast<Item*>(storage_);
    if (n <= kInline)
      for (std::size_t i = 0; i < n; ++i) new (at_ + i) Item();
  }
  Items(const Items&) = delete;
  Items& operator=(const Items&) = delete;
  ~Items() {
    for (std::size_t i = 0; i < n_; ++i)
      if (at_[i].hasView) PyBuffer_Release(&at_[i].view);
    if (n_ <= kInline)
      for (std::size_t i = 0; i < n_; ++i) at_[i].~Item();
  }
  Item& operator[](std::size_t i) { return at_[i]; }
  Item& back() { return at_[n_ - 1]; }
  Item* begin() { return at_; }
  Item* end() { return at_ + n_; }

 private:
  std::size_t n_;
  Item* at_;
  alignas(Item) unsigned char storage_[kInline * sizeof(Item)];
  std::vector<Item> heap_;
};

class Writer {
 public:
  explicit Writer(std::byte* p) : p_(p) {}
  template <class T>
  void put(const T& v) {
    std::memcpy(p_ + at_, &v, sizeof v);
    at_ += sizeof v;
  }
  void bytes(const void* d, std::size_t n) {
    if (n) std::memcpy(p_ + at_, d, n);
    at_ += n;
  }
  void align() { at_ = align16(at_); }
  std::size_t at() const { return at_; }

 private:
  std::byte* p_;
  std::size_t at_ = 0;
};

class Reader {
 public:
  Reader(const std::byte* p, std::size_t n) : p_(p), n_(n) {}
  // Every read checks k against the bytes left (at_ <= n_ always holds), so no
  // length from the message can reach past its end, however large.
  std::size_t left() const { return n_ - at_; }
  bool get(void* out, std::size_t k) {
    if (k > left()) return false;
    std::memcpy(out, p_ + at_, k);
    at_ += k;
    return true;
  }
  template <class T>
  bool get(T& v) {
    return get(&v, sizeof v);
  }
  const std::byte* here() const { return p_ + at_; }
  bool skip(std::size_t k) {
    if (k > left()) return false;
    at_ += k;
    return true;
  }
  bool align() {
    if (align16(at_) > n_) return false;
    at_ = align16(at_);
    return true;
  }
  std::size_t at() const { return at_; }

 private:
  const std::byte* p_;
  std::size_t n_;
  std::size_t at_ = 0;
};

}  // namespace

charm::MessageBuffer FastCodec::pack(PyObject* items, charm::MessageKind kind,
                                     charm::comm::ExternalPayload* tail) {
  if (!PyTuple_Check(items)) return {};
  return pack(&PyTuple_GET_ITEM(items, 0), PyTuple_GET_SIZE(items), kind, tail);
}

charm::MessageBuffer FastCodec::pack(PyObject* const* items, Py_ssize_t n, charm::MessageKind kind,
                                     charm::comm::ExternalPayload* tail) {
  Items list(static_cast<std::size_t>(n));
  std::size_t size = kHeader;
  std::uint32_t flags = 0;
  for (Py_ssize_t k = 0; k < n; ++k) {
    PyObject* o = items[k];
    Item& it = list[static_cast<std::size_t>(k)];
    size += 1;
    if (o == Py_None) {
      it.tag = kNone;
    } else if (o == Py_True) {
      it.tag = kTrue;
    } else if (o == Py_False) {
      it.tag = kFalse;
    } else if (PyLong_CheckExact(o)) {
      int overflow = 0;
      it.i = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (overflow) return {};
      it.tag = kInt;
      size += 8;
    } else if (PyFloat_CheckExact(o)) {
      it.tag = kFloat;
      it.f = PyFloat_AS_DOUBLE(o);
      size += 8;
    } else if (PyUnicode_CheckExact(o)) {
      Py_ssize_t len = 0;
      it.data = PyUnicode_AsUTF8AndSize(o, &len);
      if (!it.data) {
        PyErr_Clear();
        return {};
      }
      it.tag = kStr;
      it.size = static_cast<std::size_t>(len);
      size += 8 + it.size;
    } else if (PyBytes_CheckExact(o)) {
      it.tag = kBytes;
      it.data = PyBytes_AS_STRING(o);
      it.size = static_cast<std::size_t>(PyBytes_GET_SIZE(o));
      size += 8 + it.size;
    } else if (isNdarray(o)) {
      numpy::PlainArray plain;
      // A numeric array is read from its fields, in place (no buffer export),
      // unless it may travel from its own memory (large, last and read-only:
      // then the buffer path below checks whether anything can change it).
      if (numpy::plainArray(o, plain) &&
          (plain.nbytes < kExternalThreshold || plain.writable || !tail || k + 1 < n)) {
        PyObject* str = dtypeString(plain.descr);
        if (!str) return {};
        it.dtype = PyRef::borrow(str);
        it.data = static_cast<const char*>(plain.data);
        it.size = plain.nbytes;
        it.ndim = plain.ndim;
        it.shape = plain.shape;
      } else {
        PyRef dtype = PyRef::steal(PyObject_GetAttrString(o, "dtype"));
        PyObject* str = dtype ? dtypeString(dtype.get()) : nullptr;
        it.dtype = PyRef::borrow(str);
        if (!str || PyObject_GetBuffer(o, &it.view, PyBUF_C_CONTIGUOUS) < 0) {
          PyErr_Clear();
          return {};
        }
        it.hasView = true;
        it.data = static_cast<const char*>(it.view.buf);
        it.size = static_cast<std::size_t>(it.view.len);
        it.ndim = it.view.ndim;
        it.shape = it.view.shape;
      }
      it.tag = kArray;
      if (static_cast<std::uint64_t>(it.size) > kCopyBelow) flags |= kHasArrays;
      const std::size_t dtypeLen = static_cast<std::size_t>(PyUnicode_GET_LENGTH(it.dtype.get()));
      if (dtypeLen > 255 || it.ndim > 32) return {};
      // dtype length + dtype + ndim + shape, then aligned data.
      size += 1 + dtypeLen + 1 + 8 * static_cast<std::size_t>(it.ndim) + 8;
      size = align16(size) + align16(it.size);
    } else {
      return {};
    }
  }
  // A large last array that nothing can change goes from its own memory (the
  // message ends where its data starts); any other is copied in now, as the call
  // must send the values it had at the call.
  const bool external = tail && n > 0 && list.back().hasView &&
                        static_cast<std::size_t>(list.back().view.len) >= kExternalThreshold &&
                        isImmutableArray(items[n - 1], list.back().view);
  std::size_t tailBytes = 0;
  if (external) {
    tailBytes = static_cast<std::size_t>(list.back().view.len);
    size -= align16(tailBytes);
  }
  charm::MessageBuffer m = charm::newMessage(kind, size);
  Writer w(charm::payloadOf(m));
  w.put(static_cast<std::uint32_t>(n));
  w.put(flags);
  w.put(std::uint64_t{0});
  for (const Item& it : list) {
    w.put(static_cast<std::uint8_t>(it.tag));
    switch (it.tag) {
      case kInt: w.put(it.i); break;
      case kFloat: w.put(it.f); break;
      case kStr:
      case kBytes:
        w.put(static_cast<std::uint64_t>(it.size));
        w.bytes(it.data, it.size);
        break;
      case kArray: {
        Py_ssize_t len = 0;
        const char* dt = PyUnicode_AsUTF8AndSize(it.dtype.get(), &len);
        w.put(static_cast<std::uint8_t>(len));
        w.bytes(dt, static_cast<std::size_t>(len));
        w.put(static_cast<std::uint8_t>(it.ndim));
        for (int d = 0; d < it.ndim; ++d) w.put(static_cast<std::int64_t>(it.shape[d]));
        w.put(static_cast<std::uint64_t>(it.size));
        w.align();
        if (external && &it == &list.back()) break;
        w.bytes(it.data, it.size);
        w.align();
        break;
      }
      default: break;
    }
  }
  if (external) {
    Item& last = list.back();
    *tail = externalFromView(last.view);
    last.hasView = false;
    charm::envelopeOf(m).payloadSize += tailBytes;
  }
  return m;
}

PyObject* FastCodec::dtypeString(PyObject* dtype) {
  if (dtype == lastSentDtype_) return lastSentStr_;
  auto it = sendDtypes_.find(dtype);
  if (it != sendDtypes_.end()) {
    lastSentDtype_ = dtype;
    lastSentStr_ = it->second.str.get();
    return lastSentStr_;
  }
  PyRef hasObject = PyRef::steal(PyObject_GetAttrString(dtype, "hasobject"));
  PyRef str = PyRef::steal(PyObject_GetAttrString(dtype, "str"));
  if (!hasObject || !str) {
    PyErr_Clear();
    return nullptr;
  }
  if (hasObject.get() != Py_False || !PyUnicode_Check(str.get())) str = PyRef();
  // Only a dtype that its string rebuilds (not a structured one: '|V12' loses the
  // fields): the receiver makes it from the string.
  if (str) {
    PyRef rebuilt = loadNumpy() ? PyRef::steal(PyObject_CallOneArg(numpyDtype_.get(), str.get())) : PyRef();
    if (!rebuilt || PyObject_RichCompareBool(rebuilt.get(), dtype, Py_EQ) != 1) str = PyRef();
    PyErr_Clear();
  }
  if (sendDtypes_.size() >= 256) sendDtypes_.clear();  // bounded: user dtypes may be many
  lastSentDtype_ = dtype;
  lastSentStr_ = sendDtypes_.emplace(dtype, DtypeEntry{PyRef::borrow(dtype), std::move(str)}).first->second.str.get();
  return lastSentStr_;
}

PyObject* FastCodec::receivedDtype(PyObject* descr, std::size_t& textLength) {
  if (descr == lastCopyDescr_.get()) {
    textLength = lastCopyLength_;
    return lastCopyDtype_.get();
  }
  PyObject* str = dtypeString(descr);
  if (!str) return nullptr;
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(str, &length);
  if (!text || length > 255) {
    PyErr_Clear();
    return nullptr;
  }
  bool plain = false;
  PyObject* dtype = dtypeFromString(text, static_cast<std::size_t>(length), plain);
  if (!dtype || !plain) {
    PyErr_Clear();
    return nullptr;
  }
  lastCopyDescr_ = PyRef::borrow(descr);
  lastCopyDtype_ = PyRef::borrow(dtype);
  lastCopyLength_ = textLength = static_cast<std::size_t>(length);
  return dtype;
}

bool FastCodec::loadNumpy() {
  if (frombuffer_) return true;
  PyRef numpy = PyRef::steal(PyImport_ImportModule("numpy"));
  if (!numpy) return false;
  frombuffer_ = PyRef::steal(PyObject_GetAttrString(numpy.get(), "frombuffer"));
  numpyDtype_ = PyRef::steal(PyObject_GetAttrString(numpy.get(), "dtype"));
  if (frombuffer_ && numpyDtype_) return true;
  frombuffer_ = PyRef();
  return false;
}

PyObject* FastCodec::dtypeFromString(const char* text, std::size_t length, bool& plain) {
  for (const RecentDtype& r : recent_)
    if (r.dtype && r.length == length && std::memcmp(r.text, text, length) == 0) {
      plain = r.plain;
      return r.dtype;
    }
  std::string key(text, length);
  auto it = receiveDtypes_.find(key);
  PyObject* dtype;
  if (it != receiveDtypes_.end()) {
    dtype = it->second.get();
  } else {
    if (!loadNumpy()) return nullptr;
    PyRef made = PyRef::steal(PyObject_CallFunction(numpyDtype_.get(), "s#", text, static_cast<Py_ssize_t>(length)));
    if (!made) return nullptr;
    if (receiveDtypes_.size() >= 256) {  // bounded: user dtypes may be many
      for (RecentDtype& r : recent_) r = RecentDtype();  // they point into the map
      receiveDtypes_.clear();
    }
    dtype = receiveDtypes_.emplace(std::move(key), std::move(made)).first->second.get();
  }
  plain = numpy::plainDescr(dtype);
  if (length <= sizeof recent_[0].text) {
    RecentDtype& r = recent_[nextRecent_];
    nextRecent_ = (nextRecent_ + 1) % kRecentDtypes;
    r.length = static_cast<std::uint8_t>(length);
    std::memcpy(r.text, text, length);
    r.dtype = dtype;
    r.plain = plain;
  }
  return dtype;
}

PyObject* FastCodec::arrayFromBuffer(PyObject* dtype, int ndim, const std::int64_t* extents,
                                     const std::byte* data, std::uint64_t nbytes, PyObject* owner,
                                     const std::byte* ownerBase) {
  PyRef shape = PyRef::steal(PyTuple_New(ndim));
  if (!shape) return nullptr;
  for (int d = 0; d < ndim; ++d) {
    PyObject* e = PyLong_FromLongLong(extents[d]);
    if (!e) return nullptr;
    PyTuple_SET_ITEM(shape.get(), d, e);
  }
  // Small arrays get their own copy (cheaper than a view keeping the message
  // alive); larger ones view the message memory.
  PyRef view = nbytes <= kCopyBelow
                   ? PyRef::steal(PyByteArray_FromStringAndSize(reinterpret_cast<const char*>(data),
                                                                static_cast<Py_ssize_t>(nbytes)))
                   : viewOf(owner, static_cast<std::size_t>(data - ownerBase), nbytes);
  if (!view) return nullptr;
  PyObject* args[] = {view.get(), dtype};
  PyRef flat = PyRef::steal(PyObject_Vectorcall(frombuffer_.get(), args, 2, nullptr));
  if (!flat) return nullptr;
  if (ndim == 1) return flat.release();
  PyObject* margs[] = {flat.get(), shape.get()};
  PyRef name = PyRef::steal(PyUnicode_FromString("reshape"));
  return PyObject_VectorcallMethod(name.get(), margs, 2, nullptr);
}

bool FastCodec::hasArrays(const std::byte* payload, std::size_t size) {
  std::uint32_t flags = 0;
  if (size < kHeader) return false;
  std::memcpy(&flags, payload + 4, sizeof flags);
  return flags & kHasArrays;
}

PyRef FastCodec::unpack(const std::byte* payload, std::size_t size, PyObject* owner,
                        const std::byte* ownerBase) {
  Reader r(payload, size);
  std::uint32_t n = 0, flags = 0;
  std::uint64_t reserved = 0;
  auto corrupt = [] {
    PyErr_SetString(PyExc_ValueError, "charmpy: corrupt message payload");
    return PyRef();
  };
  if (!r.get(n) || !r.get(flags) || !r.get(reserved)) return corrupt();
  if (n > r.left()) return corrupt();  // every item takes at least its tag byte
  PyRef tuple = PyRef::steal(PyTuple_New(n));
  if (!tuple) return {};
  for (std::uint32_t k = 0; k < n; ++k) {
    std::uint8_t tag = 0;
    if (!r.get(tag)) return corrupt();
    PyObject* item = nullptr;
    switch (tag) {
      case kNone: item = Py_NewRef(Py_None); break;
      case kTrue: item = Py_NewRef(Py_True); break;
      case kFalse: item = Py_NewRef(Py_False); break;
      case kInt: {
        std::int64_t v;
        if (!r.get(v)) return corrupt();
        item = PyLong_FromLongLong(v);
        break;
      }
      case kFloat: {
        double v;
        if (!r.get(v)) return corrupt();
        item = PyFloat_FromDouble(v);
        break;
      }
      case kStr:
      case kBytes: {
        std::uint64_t len;
        if (!r.get(len) || len > r.left()) return corrupt();
        const char* d = reinterpret_cast<const char*>(r.here());
        item = tag == kStr ? PyUnicode_DecodeUTF8(d, static_cast<Py_ssize_t>(len), nullptr)
                           : PyBytes_FromStringAndSize(d, static_cast<Py_ssize_t>(len));
        r.skip(len);
        break;
      }
      case kArray: {
        std::uint8_t dtypeLen = 0, ndim = 0;
        char dt[256];
        std::uint64_t nbytes = 0;
        if (!r.get(dtypeLen) || !r.get(dt, dtypeLen) || !r.get(ndim)) return corrupt();
        std::int64_t extents[256];
        for (int d = 0; d < ndim; ++d)
          if (!r.get(extents[d])) return corrupt();
        if (!r.get(nbytes) || !r.align()) return corrupt();
        if (nbytes > r.left() || (!owner && nbytes > kCopyBelow)) return corrupt();
        bool plain = false;
        PyObject* dtype = dtypeFromString(dt, dtypeLen, plain);  // also imports numpy
        if (!dtype) return {};
        if (nbytes <= kCopyBelow && plain) {
          // A small numeric array: a new array with its own copy, made in C.
          item = numpy::newArrayCopy(dtype, ndim, extents, r.here(), static_cast<std::size_t>(nbytes)).release();
          if (!item) return {};
        } else if (plain) {
          // A larger numeric one views the message, made in C: its base is the
          // Message itself (no memoryview, frombuffer or reshape), writable when
          // the Message is (the receiver's own copy of the sender's array).
          item = numpy::newArrayOver(dtype, ndim, extents, const_cast<std::byte*>(r.here()),
                                     static_cast<std::size_t>(nbytes), owner, isWritableMessage(owner))
                     .release();
          if (!item) return {};
        } else {
          item = arrayFromBuffer(dtype, ndim, extents, r.here(), nbytes, owner, ownerBase);
          if (!item) return {};
        }
        r.skip(static_cast<std::size_t>(nbytes));
        if (!r.align() && k + 1 < n) return corrupt();  // the last array's padding may be cut
        break;
      }
      default:
        return corrupt();
    }
    if (!item) return {};
    PyTuple_SET_ITEM(tuple.get(), k, item);
  }
  return tuple;
}

}  // namespace charmpy
