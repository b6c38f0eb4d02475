#include "fiber_thread_states.h"

extern "C" void charmpy_set_gilstate_thread_state(PyThreadState* state);

namespace charmpy {

void FiberThreadStates::install(charm::FiberPool& pool, PyThreadState* schedulerState) {
  scheduler_ = schedulerState;
  pool.setSwitchHooks(&FiberThreadStates::switchedIn, &FiberThreadStates::switchingOut, this);
}

void FiberThreadStates::switchedIn(charm::Fiber* fiber, void* selfPtr) {
  auto* self = static_cast<FiberThreadStates*>(selfPtr);
  auto* state = static_cast<PyThreadState*>(charm::FiberPool::userData(fiber));
  if (!state) {
    if (!self->idle_.empty()) {
      state = self->idle_.back();
      self->idle_.pop_back();
    } else {
      state = PyThreadState_New(self->scheduler_->interp);
      // As if PyGILState_Ensure held it: a matching Release must never delete it.
      state->gilstate_counter = 1;
    }
    charm::FiberPool::setUserData(fiber, state);
  }
  PyThreadState_Swap(state);
  charmpy_set_gilstate_thread_state(state);
}

void FiberThreadStates::switchingOut(charm::Fiber* fiber, void* selfPtr) {
  auto* self = static_cast<FiberThreadStates*>(selfPtr);
  PyThreadState_Swap(self->scheduler_);
  charmpy_set_gilstate_thread_state(self->scheduler_);
  if (charm::FiberPool::bodyFinished(fiber)) {
    auto* state = static_cast<PyThreadState*>(charm::FiberPool::userData(fiber));
    if (state) {
      PyThreadState_Clear(state);
      self->idle_.push_back(state);
      charm::FiberPool::setUserData(fiber, nullptr);
    }
  }
}

}  // namespace charmpy
