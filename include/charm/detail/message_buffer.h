// MessageBuffer: a move-only, pool-backed byte buffer that carries one message
// between PEs. The runtime builds a message (envelope + payload) directly in one
// of these, the transport sends it from there and the receiver gets one back, so a
// message is never copied between layers. Buffers come from a per-thread pool of
// power-of-two size classes, so the steady state allocates nothing per message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace charm::comm {

class MessageBuffer {
 public:
  MessageBuffer() noexcept = default;
  // A buffer of `size` bytes (contents uninitialised). Capacity is rounded up to
  // the pool's size class (and, for messages larger than MPI's int count, to a
  // multiple of the large-message block; see MpiTransport).
  static MessageBuffer allocate(std::size_t size);

  // Inline: a message changes hands several times on its way (proxy, runtime,
  // transport), and a moved-from buffer's destruction is one test.
  MessageBuffer(MessageBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  MessageBuffer& operator=(MessageBuffer&& other) noexcept;
  MessageBuffer(const MessageBuffer&) = delete;
  MessageBuffer& operator=(const MessageBuffer&) = delete;
  ~MessageBuffer() {
    if (data_ != nullptr) reset();
  }

  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }

  // Changes size(); keeps the contents up to min(old, new) size. Grows the block
  // (moving the bytes) only when `size` exceeds capacity().
  void resize(std::size_t size);
  // Returns the block to the pool now; the buffer becomes empty.
  void reset() noexcept;

 private:
  MessageBuffer(std::byte* data, std::size_t size, std::size_t capacity) noexcept
      : data_(data), size_(size), capacity_(capacity) {}
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Statistics of this thread's buffer pool, for tests and benchmarks that check
// that the steady state does not allocate.
struct BufferPoolStats {
  std::uint64_t allocations = 0;  // blocks obtained from the heap
  std::uint64_t reuses = 0;       // blocks handed out again from the pool
};
BufferPoolStats bufferPoolStats() noexcept;

}  // namespace charm::comm
