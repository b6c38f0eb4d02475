// MessageQueue: the scheduler's FIFO of messages ready to run on this PE. A ring
// buffer that grows by doubling and never shrinks, so a steady stream of local
// sends allocates nothing.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "charm/detail/message_buffer.h"

namespace charm {

class MessageQueue {
 public:
  explicit MessageQueue(std::size_t initialCapacity = 256) : slots_(roundUp(initialCapacity)) {}

  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }

  void push(comm::MessageBuffer message) {
    if (count_ == slots_.size()) grow();
    slots_[(head_ + count_) & (slots_.size() - 1)] = std::move(message);
    ++count_;
  }

  // Precondition: !empty().
  comm::MessageBuffer pop() {
    comm::MessageBuffer m = std::move(slots_[head_]);
    head_ = (head_ + 1) & (slots_.size() - 1);
    --count_;
    return m;
  }

 private:
  static std::size_t roundUp(std::size_t n) {
    std::size_t c = 1;
    while (c < n) c <<= 1;
    return c;
  }
  void grow() {
    std::vector<comm::MessageBuffer> bigger(slots_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i)
      bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<comm::MessageBuffer> slots_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace charm
