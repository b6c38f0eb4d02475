// RingQueue: a FIFO on a growable circular array. Unlike std::deque it keeps its
// storage when it empties, so a queue that has reached its working size pushes
// and pops without touching the heap (the transports' per-message paths rely on
// that). Not thread-safe.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace charm::comm {

template <typename T>
class RingQueue {
 public:
  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }

  void push(T value) {
    if (count_ == slots_.size()) grow();
    slots_[(head_ + count_) % slots_.size()] = std::move(value);
    ++count_;
  }

  T& front() noexcept { return slots_[head_]; }
  const T& front() const noexcept { return slots_[head_]; }

  // Removes and returns the oldest element. Precondition: !empty().
  T pop() {
    T value = std::move(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --count_;
    return value;
  }

  // Drops every element (releasing what they own) but keeps the storage.
  void clear() {
    while (!empty()) pop();
    head_ = 0;
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 8 : 2 * slots_.size());
    for (std::size_t i = 0; i < count_; ++i)
      bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace charm::comm
