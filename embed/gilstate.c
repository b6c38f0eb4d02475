/* Keeps CPython's "thread state of this OS thread" (the PyGILState key) pointing at
 * the thread state that is current, also while a fiber runs with its own thread
 * state. Extension code that calls PyGILState_Ensure (Numba's dispatcher, for one)
 * would otherwise take the scheduler's thread state for "not holding the GIL" and
 * deadlock trying to acquire it. The key lives in CPython's internal runtime state,
 * hence this one C file built with Py_BUILD_CORE. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_runtime.h>

void charmpy_set_gilstate_thread_state(PyThreadState* state) {
  PyThread_tss_set(&_PyRuntime.gilstate.autoTSSkey, state);
}
