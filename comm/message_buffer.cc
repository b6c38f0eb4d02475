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
#include <memory>
#include <new>
#include <utility>
#include <vector>

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
// least 2, so a ping-pong of big messages still reuses its blocks). A class of
// blocks from 16 KiB up that churns (a block went back to the heap because
// the list was full, and later one had to come from the heap because the list
// was empty) doubles its limit, up to 1024 blocks or its 32 MiB: a program
// that keeps more blocks of one size in flight than 64 (stencil3d's 4x4x4
// blocks: 144 faces of 32 KiB per PE and iteration; measured 9 heap
// allocations per PE and iteration before) settles at its own number. Smaller
// blocks stay at 64: glibc serves those from its per-thread cache.
constexpr std::size_t kInitialFreePerClass = 64;
constexpr std::size_t kMostFreePerClass = 1024;
constexpr int kGrowingClass = 14 - kSmallestClassShift;  // 16 KiB
constexpr std::size_t kClassByteBudget = std::size_t{32} << 20;
// Cap on all free blocks of one thread's pool together.
constexpr std::size_t kPoolByteCap = std::size_t{256} << 20;

constexpr std::size_t classCapacity(int cls) noexcept {
  return std::size_t{1} << (cls + kSmallestClassShift);
}

constexpr std::size_t freeBlocksLimit(int cls, std::size_t most) noexcept {
  return std::clamp(kClassByteBudget / classCapacity(cls), std::size_t{2}, most);
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

class BlockPool;

// The calling thread's pool: null before the thread's first buffer and again
// once the pool is destroyed (thread exit). Set when the pool is destroyed, so
// that buffers released later (e.g. by static destructors) go straight back to
// the heap.
//
// Both are read on every allocation and release. libcharmrt is a shared library,
// so a plain thread_local would be global-dynamic: a __tls_get_addr call per
// access (~30 instructions, two per take and give, measured ~120 per message).
// Initial-exec makes each one load relative to %fs. A library with any
// initial-exec variable has all its TLS in static TLS, so libcharmrt keeps its
// TLS to a few pointers (the pool itself lives on the heap): programs linking
// libcharmrt (charmpy-run, the C++ programs) get it at start-up, and a process
// that dlopens libcharmrt gets it from the surplus glibc reserves for exactly
// that. Both are trivially destructible, so they stay valid for the whole
// thread lifetime.
[[gnu::tls_model("initial-exec")]] thread_local BlockPool* tPool = nullptr;
[[gnu::tls_model("initial-exec")]] thread_local bool tPoolDestroyed = false;

class BlockPool {
 public:
  BlockPool() {
    for (int cls = 0; cls < kNumClasses; ++cls) free_[cls].limit = freeBlocksLimit(cls, kInitialFreePerClass);
  }
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  ~BlockPool() {
    for (int cls = 0; cls < kNumClasses; ++cls)
      for (std::byte* block : free_[cls].blocks) heapFree(block, classCapacity(cls));
    tPool = nullptr;
    tPoolDestroyed = true;
  }

  std::byte* take(std::size_t capacity) {
    const int cls = classOfCapacity(capacity);
    if (cls >= 0) {
      FreeList& list = free_[cls];
      if (!list.blocks.empty()) [[likely]] {
        ++stats_.reuses;
        pooledBytes_ -= capacity;
        std::byte* block = list.blocks.back();
        list.blocks.pop_back();
        return block;
      }
      if (list.overflowed && cls >= kGrowingClass) {  // churn: keep more of this class from now on
        list.overflowed = false;
        list.limit = std::min(2 * list.limit, freeBlocksLimit(cls, kMostFreePerClass));
      }
    }
    ++stats_.allocations;
    return heapAllocate(capacity);
  }

  void give(std::byte* block, std::size_t capacity) noexcept {
    const int cls = classOfCapacity(capacity);
    if (cls >= 0) {
      FreeList& list = free_[cls];
      if (list.blocks.size() < list.limit && pooledBytes_ + capacity <= kPoolByteCap && room(list.blocks)) {
        list.blocks.push_back(block);
        pooledBytes_ += capacity;
        return;
      }
      list.overflowed = true;
    }
    heapFree(block, capacity);
  }

  const BufferPoolStats& stats() const noexcept { return stats_; }

 private:
  struct FreeList {
    std::vector<std::byte*> blocks;  // most recently released last (reused first: warm in cache)
    std::size_t limit = 0;           // how many it keeps at most
    bool overflowed = false;         // a block went to the heap since the last growth
  };

  // Room for one more block in `list`: a list grows (doubling) only when more
  // blocks of its class than ever before are free at once, so the steady state
  // allocates nothing. False if that growth fails (the block is freed instead).
  static bool room(std::vector<std::byte*>& list) noexcept {
    if (list.size() < list.capacity()) [[likely]]
      return true;
    try {
      list.reserve(std::max<std::size_t>(16, 2 * list.capacity()));
      return true;
    } catch (...) {
      return false;
    }
  }

  std::array<FreeList, kNumClasses> free_{};
  std::size_t pooledBytes_ = 0;
  BufferPoolStats stats_;
};

// The slow path of threadPool(): the thread's first buffer (makes its pool), or
// one released after the pool was destroyed (null: use the heap).
[[gnu::noinline]] BlockPool* makeThreadPool() {
  if (tPoolDestroyed) return nullptr;
  thread_local std::unique_ptr<BlockPool> pool;  // destroyed at thread exit
  pool = std::make_unique<BlockPool>();
  tPool = pool.get();
  return tPool;
}

BlockPool* threadPool() {
  BlockPool* pool = tPool;
  if (pool == nullptr) [[unlikely]]
    pool = makeThreadPool();
  return pool;
}

std::byte* takeBlock(std::size_t capacity) {
  if (BlockPool* pool = threadPool()) [[likely]]
    return pool->take(capacity);
  return heapAllocate(capacity);
}

void giveBlock(std::byte* block, std::size_t capacity) noexcept {
  if (BlockPool* pool = threadPool()) [[likely]] {
    pool->give(block, capacity);
    return;
  }
  heapFree(block, capacity);
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
  const BlockPool* pool = threadPool();
  return pool ? pool->stats() : BufferPoolStats{};
}

}  // namespace charm::comm
