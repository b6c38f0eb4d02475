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

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace charm {

namespace ctx = boost::context;

namespace {

// AddressSanitizer must be told of every switch between stacks: otherwise it takes a
// fiber's frames for the thread's own stack, and an exception thrown on a fiber makes
// it unpoison the wrong range (false reports follow). Boost.Context annotates only its
// ucontext flavour, and Debian's library is built for fcontext, so the switches made
// here are annotated (see sanitizer/common_interface_defs.h). No-ops without ASan.
struct StackBounds {
  const void* bottom = nullptr;
  std::size_t size = 0;
};

#if defined(__SANITIZE_ADDRESS__)
// Before switching to a stack; `fakeStackSave` null when the current stack ends.
inline void startStackSwitch(void** fakeStackSave, const StackBounds& to) {
  __sanitizer_start_switch_fiber(fakeStackSave, to.bottom, to.size);
}
// On the new stack right after the switch; `from` receives the stack left.
inline void finishStackSwitch(void* fakeStack, StackBounds* from) {
  __sanitizer_finish_switch_fiber(fakeStack, from != nullptr ? &from->bottom : nullptr,
                                  from != nullptr ? &from->size : nullptr);
}
#else
inline void startStackSwitch(void**, const StackBounds&) {}
inline void finishStackSwitch(void*, StackBounds*) {}
#endif

// protected_fixedsize_stack that tells where the stack it made lies (for ASan).
class RecordingStack {
 public:
  RecordingStack(std::size_t bytes, StackBounds* bounds) : stack_(bytes), bounds_(bounds) {}
  ctx::stack_context allocate() {
    ctx::stack_context stack = stack_.allocate();
    bounds_->bottom = static_cast<char*>(stack.sp) - stack.size;  // stacks grow down from sp
    bounds_->size = stack.size;
    return stack;
  }
  void deallocate(ctx::stack_context& stack) noexcept { stack_.deallocate(stack); }

 private:
  ctx::protected_fixedsize_stack stack_;
  StackBounds* bounds_;
};

}  // namespace

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
  StackBounds stack;          // this fiber's stack (for ASan's switch annotations)
  StackBounds schedulerStack; // the scheduler's, as ASan reported it at the last switch in
  bool entered = false;       // its context has started running our code
  void* fakeStack = nullptr;  // ASan's saved fake stack while switched out
  // While running: where suspend() goes back to (the scheduler).
  ctx::fiber scheduler;
  // While not running: where resume() continues. Declared last so that it is
  // destroyed first: unwinding a suspended body still needs `body` alive.
  ctx::fiber context;
};

namespace {

// Ends a worker's context (Boost.Context's forced unwinding), announced to ASan.
void unwindContext(Fiber* fiber) noexcept {
  // A context that never reached our code unwinds inside Boost.Context without
  // annotating its switches, so only the others are announced to ASan.
  void* fakeStack = nullptr;
  const bool annotate = fiber->entered;
  if (annotate) startStackSwitch(&fakeStack, fiber->stack);
  fiber->context = ctx::fiber{};
  if (annotate) finishStackSwitch(fakeStack, nullptr);
}

// From inside `self`: back to the scheduler; returns when resumed.
void switchToScheduler(Fiber* self) {
  startStackSwitch(&self->fakeStack, self->schedulerStack);
#if defined(__SANITIZE_ADDRESS__)
  try {
    self->scheduler = std::move(self->scheduler).resume();
  } catch (const ctx::detail::forced_unwind&) {
    // The pool is destroying this fiber: it unwinds, then switches back for good.
    StackBounds destroyer;
    finishStackSwitch(self->fakeStack, &destroyer);
    startStackSwitch(nullptr, destroyer);
    throw;
  }
#else
  self->scheduler = std::move(self->scheduler).resume();
#endif
  finishStackSwitch(self->fakeStack, &self->schedulerStack);
}

}  // namespace

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
  for (auto& fiber : fibers_) unwindContext(fiber.get());
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
    fiber->context = ctx::fiber(std::allocator_arg, RecordingStack(stackBytes_, &fiber->stack),
                                [this, fiber](ctx::fiber&& scheduler) -> ctx::fiber {
                                  finishStackSwitch(nullptr, &fiber->schedulerStack);
                                  fiber->entered = true;
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
    switchToScheduler(self);
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
  void* schedulerFakeStack = nullptr;
  startStackSwitch(&schedulerFakeStack, fiber->stack);
  fiber->context = std::move(fiber->context).resume();
  finishStackSwitch(schedulerFakeStack, nullptr);
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
  switchToScheduler(self);
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
  unwindContext(fiber);  // unwinds the parked worker, frees its stack
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
