/* Keeps CPython's "thread state of this OS thread" (the PyGILState key, what
 * PyGILState_GetThisThreadState returns) pointing at the thread state that is
 * current, also while a fiber runs with its own thread state (fiber_thread_states.cc
 * calls this after each PyThreadState_Swap).
 *
 * Why: every fiber runs Python in its own PyThreadState, all on the one OS thread
 * that holds the GIL. PyGILState_Ensure, which extension code calls when it does
 * not know whether it holds the GIL (Numba's dispatcher does, on every call of a
 * jitted function), compares the key's thread state with the current one: if they
 * differ it takes the key's state for another thread's and waits for the GIL, which
 * this thread holds: a deadlock (tests/python/test_gilstate_fibers.py,
 * test_numba_numpy.py from a coroutine).
 *
 * CPython 3.11 has no public way to re-point the key: PyThreadState_Swap leaves it
 * alone, and _PyGILState_NoteThreadState (reached from PyThreadState_New) sets it
 * only while it is empty. So this one file is built with Py_BUILD_CORE and writes the
 * key, _PyRuntime.gilstate.autoTSSkey (internal/pycore_runtime.h, layout of 3.11),
 * with the public PyThread_tss_set. That layout is private to each minor version,
 * hence the version check below (and the same one in embed/CMakeLists.txt).
 *
 * On 3.12 and later, delete this file and its two calls: PyThreadState_Swap binds
 * the key itself (Python/pystate.c: _swap_thread_states -> tstate_activate ->
 * bind_gilstate_tstate when the new state is not the bound one), and the key moved
 * to _PyRuntime.autoTSSkey, so this code would not compile there anyway. */
#define Py_BUILD_CORE 1
#include <Python.h>

#if PY_MAJOR_VERSION != 3 || PY_MINOR_VERSION != 11
#pragma message("embed/gilstate.c: this is CPython " PY_VERSION)
#error "embed/gilstate.c needs CPython 3.11: it sets 3.11's private _PyRuntime.gilstate.autoTSSkey so that PyGILState_Ensure works inside fibers. On 3.12+ PyThreadState_Swap does that itself: delete embed/gilstate.c and its calls (see its header comment)."
#endif

#include <internal/pycore_runtime.h>

void charmpy_set_gilstate_thread_state(PyThreadState* state) {
  PyThread_tss_set(&_PyRuntime.gilstate.autoTSSkey, state);
}
