// FutureTable: the futures owned by this PE. A future is (owner PE, id); its
// value arrives as a FutureValue message from any PE and is kept here until the
// fiber that waits on it takes it. Waiting suspends the calling fiber; the
// scheduler keeps running and resumes the fiber when the value arrives.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "charm/detail/envelope.h"
#include "runtime/fiber.h"
#include "charm/detail/message.h"

namespace charm {

class FutureTable {
 public:
  FutureTable(int myPe, FiberPool& fibers) : myPe_(myPe), fibers_(fibers) {}

  // A new, empty future owned by this PE.
  FutureRef create();
  // Stores the value message of future `id`; resumes its waiter. Scheduler context only.
  void deliver(std::uint64_t id, MessageBuffer value);
  // Whether the value of future `id` has arrived (and not been taken).
  bool ready(std::uint64_t id) const;
  // Returns the value message of future `id`, suspending the calling fiber until
  // it arrives. Throws std::logic_error when called outside a fiber with no value
  // yet, or for a future that is not this PE's or was already taken.
  MessageBuffer take(std::uint64_t id);
  std::size_t outstanding() const { return slots_.size(); }

 private:
  struct Slot {
    MessageBuffer value;
    Fiber* waiter = nullptr;
  };
  int myPe_;
  FiberPool& fibers_;
  std::uint64_t nextId_ = 1;
  std::unordered_map<std::uint64_t, Slot> slots_;
};

}  // namespace charm
