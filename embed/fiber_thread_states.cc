#include "fiber_thread_states.h"

// embed/gilstate.c: makes PyGILState_GetThisThreadState() follow PyThreadState_Swap
// (CPython 3.11 internals; not needed from 3.12 on, see there).
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

void FiberThreadStates::setChare(charm::Fiber* fiber, PyObject* chare, PyObject* method) noexcept {
  if (auto* slot = static_cast<Slot*>(charm::FiberPool::userData(fiber))) {
    slot->chare = chare;
    slot->method = method;
  }
}

void FiberThreadStates::setWaitingFor(charm::Fiber* fiber, PyObject* what) noexcept {
  auto* slot = static_cast<Slot*>(charm::FiberPool::userData(fiber));
  if (!slot) return;
  Py_XINCREF(what);
  Py_XSETREF(slot->waitingFor, what);
}

std::vector<FiberThreadStates::Waiting> FiberThreadStates::suspended(const charm::Fiber* running) const {
  std::vector<Waiting> out;
  for (const Slot* slot : all_)
    if (slot->fiber && slot->fiber != running)
      out.push_back(Waiting{slot->chare, slot->method, slot->waitingFor, slot->state});
  return out;
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
      self->all_.push_back(slot);
    }
    slot->fiber = fiber;
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
      Py_CLEAR(slot->waitingFor);
      PyThreadState_Clear(slot->state);
      slot->chare = nullptr;
      slot->method = nullptr;
      slot->fiber = nullptr;
      self->idle_.push_back(slot);
      charm::FiberPool::setUserData(fiber, nullptr);
    }
  }
}

}  // namespace charmpy
