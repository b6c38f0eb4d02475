// MessageBuffer and its per-thread block pool.
//
// Blocks come in power-of-two size classes from 256 B to 64 MiB. A released block
// goes back to the pool of the thread that releases it (not necessarily the one
// that allocated it), up to a bounded number per class and a byte cap per thread,
// so a burst of big messages does not pin memory forever. Blocks above 64 MiB are
// never pooled: they are rare and too costly to keep around.
//
// We write our own pool instead of relying on malloc because the hot path (one
// buffer per message) must not touch the heap in the steady state, and we want to
// count that (bufferPoolStats) in tests and benchmarks.
#include "charm/detail/message_buffer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include <sys/mman.h>

#include "comm/large_message.h"

namespace charm::comm {

namespace {

constexpr std::size_t kBlockAlignment = 64;  // a cache line: no false sharing, SIMD-friendly
constexpr int kSmallestClassShift = 8;       // 256 B
constexpr int kLargestClassShift = 26;       // 64 MiB
constexpr int kNumClasses = kLargestClassShift - kSmallestClassShift + 1;
constexpr std::size_t kLargestClass = std::size_t{1} << kLargestClassShift;

// How many free blocks a class keeps: 64, but no more than ~32 MiB worth (at
// least 2, so a ping-pong of big messages still reuses its blocks).
constexpr std::size_t kMaxFreePerClass = 64;
constexpr std::size_t kClassByteBudget = std::size_t{32} << 20;
// Cap on all free blocks of one thread's pool together.
constexpr std::size_t kPoolByteCap = std::size_t{256} << 20;

constexpr std::size_t classCapacity(int cls) noexcept {
  return std::size_t{1} << (cls + kSmallestClassShift);
}

constexpr std::size_t maxFreeBlocks(int cls) noexcept {
  return std::clamp(kClassByteBudget / classCapacity(cls), std::size_t{2}, kMaxFreePerClass);
}

// Size class of a pooled capacity, or -1 if a block of this capacity is not pooled.
int classOfCapacity(std::size_t capacity) noexcept {
  // (capacity & (capacity - 1)) rather than std::has_single_bit: without -mpopcnt
  // the latter is a libgcc call on every allocation and release.
  if (capacity < classCapacity(0) || capacity > kLargestClass || (capacity & (capacity - 1)) != 0)
    return -1;
  return std::countr_zero(capacity) - kSmallestClassShift;
}

// Blocks of 2 MiB and more are aligned to 2 MiB and marked for transparent huge
// pages (as NumPy does for its large arrays), so that writing a fresh one (a
// migrating element's state, a large array) faults in a few 2 MiB pages instead
// of hundreds of 4 KiB ones: on a VM each small fault costs microseconds.
constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t alignmentOf(std::size_t capacity) noexcept {
  return capacity >= kHugePage ? kHugePage : kBlockAlignment;
}

std::byte* heapAllocate(std::size_t capacity) {
  void* block = ::operator new(capacity, std::align_val_t{alignmentOf(capacity)});
  if (capacity >= kHugePage) madvise(block, capacity & ~(kHugePage - 1), MADV_HUGEPAGE);  // a hint only
  return static_cast<std::byte*>(block);
}

void heapFree(std::byte* block, std::size_t capacity) noexcept {
  ::operator delete(block, std::align_val_t{alignmentOf(capacity)});
}

// The capacity a buffer of `size` bytes needs: a power-of-two class, or for a
// message that takes the large path, whole large-message blocks plus the trailer.
std::size_t requiredCapacity(std::size_t size) noexcept {
  std::size_t need = size;
  if (size > largeMessageThreshold()) need = largeMessageWireBytes(size);
  if (need <= classCapacity(0)) return classCapacity(0);
  if (need <= kLargestClass) return std::bit_ceil(need);
  // Unpooled: keep the capacity a multiple of the alignment (the allocator
  // requires nothing, but it keeps the numbers tidy).
  return (need + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment;
}

// Set when this thread's pool has been destroyed (thread exit), so that buffers
// released later (e.g. by static destructors) go straight back to the heap. A
// trivially destructible thread_local stays valid for the whole thread lifetime.
thread_local bool tPoolDestroyed = false;

class BlockPool {
 public:
  BlockPool() = default;
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  ~BlockPool() {
    for (int cls = 0; cls < kNumClasses; ++cls)
      for (std::size_t i = 0; i < free_[cls].count; ++i) heapFree(free_[cls].blocks[i], classCapacity(cls));
    tPoolDestroyed = true;
  }

  std::byte* take(std::size_t capacity) {
    const int cls = classOfCapacity(capacity);
    if (cls >= 0 && free_[cls].count > 0) {
      ++stats_.reuses;
      pooledBytes_ -= capacity;
      return free_[cls].blocks[--free_[cls].count];
    }
    ++stats_.allocations;
    return heapAllocate(capacity);
  }

  void give(std::byte* block, std::size_t capacity) noexcept {
    const int cls = classOfCapacity(capacity);
    if (cls >= 0 && free_[cls].count < maxFreeBlocks(cls) &&
        pooledBytes_ + capacity <= kPoolByteCap) {
      free_[cls].blocks[free_[cls].count++] = block;
      pooledBytes_ += capacity;
      return;
    }
    heapFree(block, capacity);
  }

  const BufferPoolStats& stats() const noexcept { return stats_; }

 private:
  struct FreeList {
    std::array<std::byte*, kMaxFreePerClass> blocks{};
    std::size_t count = 0;
  };
  std::array<FreeList, kNumClasses> free_{};
  std::size_t pooledBytes_ = 0;
  BufferPoolStats stats_;
};

BlockPool& threadPool() {
  thread_local BlockPool pool;
  return pool;
}

std::byte* takeBlock(std::size_t capacity) {
  if (tPoolDestroyed) return heapAllocate(capacity);
  return threadPool().take(capacity);
}

void giveBlock(std::byte* block, std::size_t capacity) noexcept {
  if (tPoolDestroyed) {
    heapFree(block, capacity);
    return;
  }
  threadPool().give(block, capacity);
}

std::size_t readThresholdFromEnvironment() noexcept {
  constexpr std::size_t kDefault = INT_MAX;
  const char* text = std::getenv("CHARMRT_LARGE_MESSAGE_THRESHOLD");
  if (text == nullptr || *text == '\0') return kDefault;
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-') {
    std::fprintf(stderr,
                 "charmrt: ignoring CHARMRT_LARGE_MESSAGE_THRESHOLD=\"%s\" (expected a byte "
                 "count)\n",
                 text);
    return kDefault;
  }
  // Above INT_MAX the byte count no longer fits MPI's int, so the large path is
  // mandatory there whatever the variable says.
  return std::min<std::size_t>(value, kDefault);
}

}  // namespace

std::size_t largeMessageThreshold() noexcept {
  static const std::size_t threshold = readThresholdFromEnvironment();
  return threshold;
}

MessageBuffer MessageBuffer::allocate(std::size_t size) {
  const std::size_t capacity = requiredCapacity(size);
  return MessageBuffer(takeBlock(capacity), size, capacity);
}

MessageBuffer& MessageBuffer::operator=(MessageBuffer&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void MessageBuffer::resize(std::size_t size) {
  // A buffer that grows past the large-message threshold also needs room for
  // the padding and trailer of the large path, not just `size` bytes.
  const bool fits = data_ != nullptr && size <= capacity_ &&
                    (size <= largeMessageThreshold() || largeMessageWireBytes(size) <= capacity_);
  if (fits) {
    size_ = size;
    return;
  }
  MessageBuffer bigger = allocate(size);
  if (size_ > 0) std::memcpy(bigger.data_, data_, std::min(size_, size));
  *this = std::move(bigger);
}

void MessageBuffer::reset() noexcept {
  if (data_ != nullptr) giveBlock(data_, capacity_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

BufferPoolStats bufferPoolStats() noexcept {
  if (tPoolDestroyed) return {};
  return threadPool().stats();
}

}  // namespace charm::comm
