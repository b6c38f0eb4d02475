// FastCodec: a pickle-free encoding for the common argument lists of remote
// calls: tuples whose items are ints (64-bit), floats, bools, None, str, bytes
// and C-contiguous NumPy arrays of plain dtypes. Pickling a small NumPy array costs
// several microseconds (dtype and reconstructor lookups); this path writes the
// dtype string, the shape and the raw bytes, and on the receiver rebuilds the
// array with numpy.frombuffer over the message memory (no copy). Anything else
// falls back to PickleCodec.
//
// Layout: u32 item count | u32 reserved | u64 reserved, then per item a u8 tag and
// its data; array data starts 16-byte aligned.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer_hold.h"
#include "message_object.h"
#include "py_ref.h"
#include "charm/detail/message.h"

namespace charmpy {

class FastCodec {
 public:
  // Packs the tuple `items` into a new message of `kind`, or returns an empty
  // buffer (no Python exception set) when some item needs pickle.
  // With `tail`, a last item that is a large array whose memory nothing can
  // change (read-only down to an immutable bytes object) is not copied: its bytes
  // are left in *tail for the caller to send from the array's memory. Every other
  // array is copied into the message, so later writes cannot reach the receiver.
  charm::MessageBuffer pack(PyObject* items, charm::MessageKind kind,
                            charm::comm::ExternalPayload* tail = nullptr);
  // The same for the `n` items at `items` (a call's arguments, no tuple made).
  charm::MessageBuffer pack(PyObject* const* items, Py_ssize_t n, charm::MessageKind kind,
                            charm::comm::ExternalPayload* tail = nullptr);
  // Rebuilds the tuple; arrays view `owner` (a _charmpy.Message whose bytes start
  // at ownerBase), which may be null only when hasArrays() is false.
  PyRef unpack(const std::byte* payload, std::size_t size, PyObject* owner,
               const std::byte* ownerBase);
  static bool hasArrays(const std::byte* payload, std::size_t size);
  // Arrays up to this size (bytes) are copied out of the message on receipt;
  // larger ones view it.
  static constexpr std::uint64_t kCopyBelow = 4096;
  // The dtype object unpack gives an array packed with dtype `descr` when that is
  // a plain numeric one (numpy::plainDescr) that this codec encodes, with the
  // length of its string in `textLength`; null (no exception) otherwise. For a
  // same-PE call that copies its arrays at the call (local_copies.h).
  PyObject* receivedDtype(PyObject* descr, std::size_t& textLength);

 private:
  // dtype.str of a dtype object, or null when its arrays need pickle (object
  // dtypes); cached, as building the string costs more than sending 8 bytes.
  PyObject* dtypeString(PyObject* dtype);
  // An array of `dtype` over a copy of `nbytes` at `data` (small ones) or a view of
  // the message (`owner`), through numpy.frombuffer and reshape; a new reference.
  PyObject* arrayFromBuffer(PyObject* dtype, int ndim, const std::int64_t* extents, const std::byte* data,
                            std::uint64_t nbytes, PyObject* owner, const std::byte* ownerBase);
  // Imports numpy and looks up frombuffer and dtype (once); false with a Python
  // exception set when it cannot.
  bool loadNumpy();
  // The numpy dtype object for a dtype string received, cached; `plain` tells
  // whether numpy::newArrayCopy makes its arrays (numpy::plainDescr).
  PyObject* dtypeFromString(const char* text, std::size_t length, bool& plain);

  PyRef frombuffer_, numpyDtype_;  // numpy.frombuffer and numpy.dtype, looked up on first use
  struct DtypeEntry {
    PyRef dtype;  // held, so its address cannot be reused by another object
    PyRef str;    // null: not fast-path encodable
  };
  std::unordered_map<PyObject*, DtypeEntry> sendDtypes_;
  // The last dtype sent: its entry's string as UTF-8 (a std::unordered_map
  // lookup and a PyUnicode conversion per array cost more than the 8 bytes).
  PyObject* lastSentDtype_ = nullptr;  // held by its entry in sendDtypes_
  PyObject* lastSentStr_ = nullptr;
  std::unordered_map<std::string, PyRef> receiveDtypes_;
  // The dtypes received most recently, looked up by their exact text before the
  // map (no std::string made): a few entries, each a copy of what the map holds.
  struct RecentDtype {
    std::uint8_t length = 0;
    char text[23] = {};
    PyObject* dtype = nullptr;  // held by receiveDtypes_
    bool plain = false;
  };
  static constexpr int kRecentDtypes = 4;
  RecentDtype recent_[kRecentDtypes];
  int nextRecent_ = 0;
  // receivedDtype's last answer.
  PyRef lastCopyDescr_, lastCopyDtype_;
  std::size_t lastCopyLength_ = 0;
};

}  // namespace charmpy
