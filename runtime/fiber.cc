#include "runtime/fiber.h"

#include <boost/context/fiber.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/context/stack_traits.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace charm {

namespace ctx = boost::context;

// One worker: a stack and the context switches into and out of it. Private to
// this file; users only hold Fiber* handles.
class Fiber {
 public:
  enum class State : std::uint8_t {
    Idle,       // in the pool's free list, parked at the end of workerLoop's iteration
    Ready,      // spawned, body not started
    Running,    // executing right now
    Suspended,  // parked inside suspend()
    Finished    // body done; resume() is about to recycle it
  };

  FiberPool* pool = nullptr;
  std::size_t slot = 0;  // position in the pool's fibers_ (for O(1) removal)
  State state = State::Idle;
  bool bodyFinished = false;
  void* userData = nullptr;
  std::function<void()> body;
  std::exception_ptr error;  // what the body threw, handed to resume()
  // While running: where suspend() goes back to (the scheduler).
  ctx::fiber scheduler;
  // While not running: where resume() continues. Declared last so that it is
  // destroyed first: unwinding a suspended body still needs `body` alive.
  ctx::fiber context;
};

FiberPool::FiberPool(std::size_t stackBytes, std::size_t maxIdleFibers)
    : stackBytes_(stackBytes), maxIdleFibers_(maxIdleFibers) {
  if (stackBytes < ctx::stack_traits::minimum_size())
    throw std::invalid_argument("charm::FiberPool: stack size " + std::to_string(stackBytes) +
                                " bytes is below the platform minimum of " +
                                std::to_string(ctx::stack_traits::minimum_size()));
  if (!ctx::stack_traits::is_unbounded() && stackBytes > ctx::stack_traits::maximum_size())
    throw std::invalid_argument("charm::FiberPool: stack size " + std::to_string(stackBytes) +
                                " bytes is above the platform maximum of " +
                                std::to_string(ctx::stack_traits::maximum_size()));
}

FiberPool::~FiberPool() {
  // Unwind every context (idle workers and suspended bodies) while all Fiber
  // objects are still alive; then free them.
  for (auto& fiber : fibers_) fiber->context = ctx::fiber{};
}

Fiber* FiberPool::spawn(std::function<void()> body) {
  if (!body) throw std::invalid_argument("charm::FiberPool::spawn: the body is empty");
  Fiber* fiber;
  if (!idle_.empty()) {
    fiber = idle_.back();
    idle_.pop_back();
  } else {
    auto worker = std::make_unique<Fiber>();
    fiber = worker.get();
    fiber->pool = this;
    fiber->slot = fibers_.size();
    fiber->context = ctx::fiber(std::allocator_arg, ctx::protected_fixedsize_stack(stackBytes_),
                                [this, fiber](ctx::fiber&& scheduler) -> ctx::fiber {
                                  fiber->scheduler = std::move(scheduler);
                                  workerLoop(fiber);
                                });
    fibers_.push_back(std::move(worker));
  }
  fiber->body = std::move(body);
  fiber->state = Fiber::State::Ready;
  fiber->bodyFinished = false;
  fiber->userData = nullptr;
  ++live_;
  return fiber;
}

void FiberPool::workerLoop(Fiber* self) {
  for (;;) {
    runSwitchedIn(self);
    try {
      self->body();
    } catch (const ctx::detail::forced_unwind&) {
      throw;  // the pool is destroying this fiber; let Boost.Context finish it
    } catch (...) {
      self->error = std::current_exception();
    }
    self->body = nullptr;  // the body's captures die here, on the fiber, hooks still in
    self->bodyFinished = true;
    self->state = Fiber::State::Finished;
    runSwitchingOut(self);
    // Park. The next resume() comes after a new spawn() gave this worker a body.
    self->scheduler = std::move(self->scheduler).resume();
  }
}

bool FiberPool::resume(Fiber* fiber) {
  if (current_ != nullptr)
    throw std::logic_error(
        "charm::FiberPool::resume: called from inside a fiber; fibers are resumed only from "
        "the scheduler context (hand the fiber to the scheduler instead)");
  if (fiber == nullptr || fiber->pool != this)
    throw std::logic_error("charm::FiberPool::resume: the fiber is null or belongs to another pool");
  if (fiber->state != Fiber::State::Ready && fiber->state != Fiber::State::Suspended)
    throw std::logic_error(
        "charm::FiberPool::resume: the fiber is not waiting to run (it is running, finished "
        "or recycled)");
  fiber->state = Fiber::State::Running;
  current_ = fiber;
  fiber->context = std::move(fiber->context).resume();
  current_ = nullptr;
  if (fiber->state != Fiber::State::Finished) return true;

  std::exception_ptr error = std::exchange(fiber->error, nullptr);
  recycle(fiber);
  if (error) std::rethrow_exception(error);
  return false;
}

void FiberPool::suspend() {
  Fiber* self = current_;
  if (self == nullptr)
    throw std::logic_error(
        "charm::FiberPool::suspend: called on the scheduler context; only code running on a "
        "fiber can suspend");
  self->state = Fiber::State::Suspended;
  runSwitchingOut(self);
  self->scheduler = std::move(self->scheduler).resume();
  runSwitchedIn(self);
}

void FiberPool::recycle(Fiber* fiber) {
  --live_;
  fiber->state = Fiber::State::Idle;
  if (idle_.size() < maxIdleFibers_) {
    idle_.push_back(fiber);
  } else {
    destroy(fiber);
  }
}

void FiberPool::destroy(Fiber* fiber) {
  // Swap-remove keeps removal O(1); the moved fiber learns its new slot.
  const std::size_t slot = fiber->slot;
  fiber->context = ctx::fiber{};  // unwinds the parked worker, frees its stack
  if (slot != fibers_.size() - 1) {
    std::swap(fibers_[slot], fibers_.back());
    fibers_[slot]->slot = slot;
  }
  fibers_.pop_back();
}

void FiberPool::setSwitchHooks(SwitchHook switchedIn, SwitchHook switchingOut, void* context) noexcept {
  switchedIn_ = switchedIn;
  switchingOut_ = switchingOut;
  hookContext_ = context;
}

void* FiberPool::userData(const Fiber* fiber) noexcept { return fiber->userData; }
void FiberPool::setUserData(Fiber* fiber, void* data) noexcept { fiber->userData = data; }
bool FiberPool::bodyFinished(const Fiber* fiber) noexcept { return fiber->bodyFinished; }

}  // namespace charm
