#include "fiber_thread_states.h"

extern "C" void charmpy_set_gilstate_thread_state(PyThreadState* state);

namespace charmpy {

void FiberThreadStates::install(charm::FiberPool& pool, PyThreadState* schedulerState) {
  scheduler_ = schedulerState;
  pool.setSwitchHooks(&FiberThreadStates::switchedIn, &FiberThreadStates::switchingOut, this);
}

PyObject* FiberThreadStates::chareOf(const charm::Fiber* fiber) noexcept {
  auto* slot = static_cast<Slot*>(charm::FiberPool::userData(fiber));
  return slot ? slot->chare : nullptr;
}

void FiberThreadStates::setChare(charm::Fiber* fiber, PyObject* chare) noexcept {
  if (auto* slot = static_cast<Slot*>(charm::FiberPool::userData(fiber))) slot->chare = chare;
}

void FiberThreadStates::switchedIn(charm::Fiber* fiber, void* selfPtr) {
  auto* self = static_cast<FiberThreadStates*>(selfPtr);
  auto* slot = static_cast<Slot*>(charm::FiberPool::userData(fiber));
  if (!slot) {
    if (!self->idle_.empty()) {
      slot = self->idle_.back();
      self->idle_.pop_back();
    } else {
      slot = new Slot;
      slot->state = PyThreadState_New(self->scheduler_->interp);
      // As if PyGILState_Ensure held it: a matching Release must never delete it.
      slot->state->gilstate_counter = 1;
    }
    charm::FiberPool::setUserData(fiber, slot);
  }
  PyThreadState_Swap(slot->state);
  charmpy_set_gilstate_thread_state(slot->state);
}

void FiberThreadStates::switchingOut(charm::Fiber* fiber, void* selfPtr) {
  auto* self = static_cast<FiberThreadStates*>(selfPtr);
  PyThreadState_Swap(self->scheduler_);
  charmpy_set_gilstate_thread_state(self->scheduler_);
  if (charm::FiberPool::bodyFinished(fiber)) {
    auto* slot = static_cast<Slot*>(charm::FiberPool::userData(fiber));
    if (slot) {
      PyThreadState_Clear(slot->state);
      slot->chare = nullptr;
      self->idle_.push_back(slot);
      charm::FiberPool::setUserData(fiber, nullptr);
    }
  }
}

}  // namespace charmpy
