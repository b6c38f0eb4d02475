#include "runtime/future_table.h"

#include <stdexcept>
#include <string>

namespace charm {

FutureRef FutureTable::create() {
  FutureRef ref{myPe_, nextId_++};
  slots_.emplace(ref.id, Slot{});
  return ref;
}

void FutureTable::deliver(std::uint64_t id, MessageBuffer value) {
  auto it = slots_.find(id);
  if (it == slots_.end())
    throw std::logic_error("charm: a value arrived for future " + std::to_string(id) +
                           " on PE " + std::to_string(myPe_) +
                           ", which is unknown or already has its value taken");
  if (it->second.value)
    throw std::logic_error("charm: future " + std::to_string(id) +
                           " received a second value; a future is set once");
  it->second.value = std::move(value);
  if (Fiber* waiter = it->second.waiter) {
    it->second.waiter = nullptr;
    fibers_.resume(waiter);
  }
}

bool FutureTable::ready(std::uint64_t id) const {
  auto it = slots_.find(id);
  return it != slots_.end() && static_cast<bool>(it->second.value);
}

MessageBuffer FutureTable::take(std::uint64_t id) {
  auto it = slots_.find(id);
  if (it == slots_.end())
    throw std::logic_error("charm: Future::get() on future " + std::to_string(id) +
                           ", which is not owned by PE " + std::to_string(myPe_) +
                           " or whose value was already taken");
  if (!it->second.value) {
    if (!fibers_.inFiber())
      throw std::logic_error(
          "charm: Future::get() would block outside a fiber; call it from the main function "
          "or from an entry method marked to run on a fiber (charm::runs_on_fiber)");
    if (it->second.waiter)
      throw std::logic_error("charm: two fibers wait on the same future");
    it->second.waiter = fibers_.current();
    fibers_.suspend();
    it = slots_.find(id);  // the table may have rehashed meanwhile
  }
  MessageBuffer value = std::move(it->second.value);
  slots_.erase(it);
  return value;
}

}  // namespace charm
