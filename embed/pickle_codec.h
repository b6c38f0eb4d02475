// PickleCodec: Python objects <-> message payloads. Pickle protocol 5 with
// out-of-band buffers (charmpy/_pickling.py): the bytes of NumPy arrays, bytes,
// bytearray, array.array and memoryview arguments are copied once, straight into
// the message; arrays, bytearrays and memoryviews come out on the receiver viewing
// the message memory (bytes and array.array own theirs, so they are rebuilt).
//
// Payload layout (all offsets relative to the payload start, 16-byte aligned):
//   u64 pickle length | u32 buffer count | u32 reserved | pickle bytes | pad
//   then per buffer: u64 length | u64 reserved | bytes | pad
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "message_object.h"
#include "py_ref.h"
#include "charm/detail/message.h"

namespace charmpy {

class PickleCodec {
  // Starts the payload (length: the pickle's, bufferCount: how many follow) and
  // each buffer (length: the buffer's).
  struct Header {
    std::uint64_t length;
    std::uint32_t bufferCount;
    std::uint32_t reserved;
  };

 public:
  // An object pickled for a payload of the layout above, its out-of-band buffers
  // viewed but not copied yet, so that a caller can copy them straight into its
  // message (migration writes them through a Pup). Holds references: keep it no
  // longer than the GIL allows.
  class Pickled {
   public:
    Pickled() = default;
    Pickled(const Pickled&) = delete;
    Pickled& operator=(const Pickled&) = delete;
    ~Pickled();
    // The payload's bytes.
    std::size_t size() const { return size_; }
    // Calls write(const void* data, std::size_t length) for each piece of the
    // payload in order: headers, bytes and padding.
    template <class Write>
    void writeTo(Write&& write) const {
      static constexpr std::byte kPadding[16]{};
      auto piece = [&](const Header& header, const void* data, std::size_t length) {
        write(&header, sizeof header);
        write(data, length);
        write(kPadding, ((length + 15) & ~std::size_t{15}) - length);
      };
      piece(Header{pickleLength_, static_cast<std::uint32_t>(views_.size()), 0}, pickleData_, pickleLength_);
      for (const Py_buffer& view : views_)
        piece(Header{static_cast<std::uint64_t>(view.len), 0, 0}, view.buf, static_cast<std::size_t>(view.len));
    }

   private:
    friend class PickleCodec;
    PyRef pickled_;
    const char* pickleData_ = nullptr;
    std::size_t pickleLength_ = 0;
    std::vector<Py_buffer> views_;
    std::size_t size_ = 0;
  };

  // Imports pickle; false with a Python exception set on failure.
  bool init();

  // Pickles `obj` into a new message of `kind`; an empty buffer with a Python
  // exception set when it cannot be pickled.
  charm::MessageBuffer pack(PyObject* obj, charm::MessageKind kind);
  // Pickles `obj` into `out` (empty before); false with a Python exception set.
  bool pickle(PyObject* obj, Pickled& out);
  // Pickles `obj` in-band into a bytes object (for values inside reductions).
  PyRef dumpsInBand(PyObject* obj);
  PyRef loadsBytes(const char* data, std::size_t size);

  // Unpickles a payload written by pack(). When it has out-of-band buffers,
  // `owner` (a _charmpy.Message whose bytes start at `ownerBase`) is viewed by
  // them; otherwise `owner` may be null.
  PyRef unpack(const std::byte* payload, std::size_t size, PyObject* owner,
               const std::byte* ownerBase);
  // Number of out-of-band buffers in a payload written by pack().
  static std::uint32_t bufferCount(const std::byte* payload, std::size_t size);

 private:
  // Whether `obj` needs _pickling._box (large bytes or bytearray where it looks).
  bool holdsLargeBytes(PyObject* obj, long depth) const;

  PyRef outOfBandDumps_;  // charmpy._pickling.dumps: protocol 5, more types out of band
  PyRef unboxedDumps_;    // charmpy._pickling.dumps_unboxed: the same without _box
  long boxMinBytes_ = 0, boxDepth_ = 0;  // what _box boxes: sizes from, levels down to
  PyRef dumps_, loads_, protocol_, kwnamesLoads_;
};

}  // namespace charmpy
