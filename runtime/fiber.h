// Fibers: code that must wait (Future::get(), channel receives, entry methods
// that suspend, the program's main) runs on a fiber with its own stack, so that
// waiting switches back to the scheduler instead of blocking the PE.
//
// FiberPool is the one per-PE owner of all fibers. A fiber is a long-lived worker
// on a guard-paged stack (protected_fixedsize_stack: a PROT_NONE page below the
// stack turns overflow into a crash instead of silent corruption) that runs one
// body after another: when a body finishes, its worker goes back to the pool and
// the next spawn() reuses it, so steady-state spawning maps no memory and
// creates no context. Only the scheduler context resumes fibers; a fiber goes
// back to the scheduler by suspending or by finishing.
//
// Not thread-safe: one pool per PE thread, like everything else in a PE.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace charm {

class Fiber;  // opaque; a handle valid from spawn() until its body finishes

class FiberPool {
 public:
  using SwitchHook = void (*)(Fiber* fiber, void* context);

  // `stackBytes`: usable stack per fiber (plus one guard page). At most
  // `maxIdleFibers` finished workers are kept for reuse; beyond that, finished
  // workers are destroyed (a burst of many concurrent fibers then returns its
  // memory). Throws std::invalid_argument if stackBytes is below the platform
  // minimum.
  explicit FiberPool(std::size_t stackBytes = std::size_t{1} << 20, std::size_t maxIdleFibers = 1024);
  // Destroys all fibers. A fiber still suspended is unwound: the destructors of
  // its locals run (via Boost.Context's forced unwinding), without switch hooks.
  ~FiberPool();
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // Prepares a fiber that will run `body`; it starts at the first resume().
  // Bodies may catch exceptions but must rethrow what `catch (...)` catches:
  // destroying the pool unwinds suspended fibers by an exception.
  Fiber* spawn(std::function<void()> body);

  // From the scheduler context: runs `fiber` until it suspends (returns true) or
  // its body finishes (returns false; the fiber is recycled and the handle is
  // dead). If the body threw, the exception is rethrown here after recycling.
  // Throws std::logic_error when called from inside a fiber, or for a fiber that
  // is not suspended/new or belongs to another pool.
  bool resume(Fiber* fiber);

  // From inside a fiber: switches back to the scheduler context; returns when the
  // fiber is resumed. Throws std::logic_error on the scheduler context.
  void suspend();

  // The fiber running now, or nullptr on the scheduler context.
  Fiber* current() const noexcept { return current_; }
  bool inFiber() const noexcept { return current_ != nullptr; }
  // Fibers spawned whose bodies have not finished.
  std::size_t live() const noexcept { return live_; }
  // Finished workers waiting to be reused.
  std::size_t idle() const noexcept { return idle_.size(); }
  std::size_t stackBytes() const noexcept { return stackBytes_; }

  // Called on the fiber's own stack right after switching into it (before its
  // body starts, and after every resume) and right before switching out of it
  // (on every suspend, and after its body finished). The embedded Python layer
  // swaps PyThreadState here. Hooks must not throw. Pass nullptr for none.
  void setSwitchHooks(SwitchHook switchedIn, SwitchHook switchingOut, void* context) noexcept;

  // One pointer of user state per fiber; nullptr at spawn().
  static void* userData(const Fiber* fiber) noexcept;
  static void setUserData(Fiber* fiber, void* data) noexcept;
  // True once the body has returned or thrown: lets a switchingOut hook tell the
  // final switch-out from a suspend.
  static bool bodyFinished(const Fiber* fiber) noexcept;

 private:
  // What a worker fiber runs: body after body until the pool destroys it (it
  // leaves only by Boost.Context's forced unwinding).
  [[noreturn]] void workerLoop(Fiber* self);

  void recycle(Fiber* fiber);
  void destroy(Fiber* fiber);
  void runSwitchedIn(Fiber* fiber) const noexcept {
    if (switchedIn_ != nullptr) switchedIn_(fiber, hookContext_);
  }
  void runSwitchingOut(Fiber* fiber) const noexcept {
    if (switchingOut_ != nullptr) switchingOut_(fiber, hookContext_);
  }

  std::size_t stackBytes_;
  std::size_t maxIdleFibers_;
  std::vector<std::unique_ptr<Fiber>> fibers_;  // every worker, idle or not
  std::vector<Fiber*> idle_;                     // finished workers ready for reuse
  Fiber* current_ = nullptr;
  std::size_t live_ = 0;
  SwitchHook switchedIn_ = nullptr;
  SwitchHook switchingOut_ = nullptr;
  void* hookContext_ = nullptr;
};

}  // namespace charm
