// What the files of the `_charmpy` module share: small helpers and the module
// functions each file defines (module.cc holds the method table).
#pragma once

#include <stdexcept>
#include <string>

#include "embed_state.h"
#include "python_chare.h"
#include "runtime/collection.h"

namespace charmpy {

inline charm::Runtime& rt() { return *embedState().runtime; }

// Python tuple of ints -> ArrayIndex; false with a Python exception set.
bool toIndex(PyObject* tuple, charm::ArrayIndex& out, const char* what);

// Sets a Python exception of `type`; returns null for `return fail(...)`.
PyObject* fail(PyObject* type, const std::string& message);

// Runs C++ that may throw (bad PE, bad index) and turns exceptions into Python ones.
template <class F>
PyObject* guarded(F f) {
  try {
    return f();
  } catch (const std::out_of_range& e) {
    return fail(PyExc_IndexError, e.what());
  } catch (const std::invalid_argument& e) {
    return fail(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    return fail(PyExc_RuntimeError, e.what());
  }
}

// module_calls.cc: collections, placement and entry-method calls.
PyObject* py_create(PyObject*, PyObject* args);
PyObject* py_place_chare(PyObject*, PyObject*);
PyObject* py_element_pe(PyObject*, PyObject* args);
PyObject* py_collection_map(PyObject*, PyObject* cid);
PyObject* py_send(PyObject*, PyObject* const* args, Py_ssize_t nargs);
PyObject* py_broadcast(PyObject*, PyObject* args, PyObject* kwargs);
// A call packed for another PE: the fast codec when it applies, else pickle; with
// `tail`, a large last array may stay out of the message (sent from its memory).
charm::MessageBuffer packForAnotherPe(PyObject* call, PyObject* args, PyObject* kwargs, std::uint8_t& flags,
                                      charm::comm::ExternalPayload* tail);
// The same for the `n` arguments at `items`; `call` ((args, kwargs)) and `args` (their
// tuple) may be null, made only when pickle needs them.
charm::MessageBuffer packItemsForAnotherPe(PyObject* const* items, Py_ssize_t n, PyObject* call, PyObject* args,
                                           PyObject* kwargs, std::uint8_t& flags,
                                           charm::comm::ExternalPayload* tail);
// A new tuple of the `n` objects at `items`.
PyRef argsTuple(PyObject* const* items, Py_ssize_t n);
// Sends a call of `entry` with the `n` arguments at `items` (`args`: their tuple, or
// null) and `kwargs` (or null) to element `index` of `collection` on `pe`; None, or
// null with a Python exception set (py_send and the proxies' entry callers).
PyObject* sendCall(charm::CollectionId collection, const charm::ArrayIndex& index, long pe, charm::EntryId entry,
                   PyObject* const* items, Py_ssize_t n, PyObject* args, PyObject* kwargs, charm::FutureRef reply);
// True when `value` may reach a future (or call) on this PE as the object itself:
// the receiver cannot tell it from a copy, or options.local_msg_optim asks for it.
bool mayShareWithThisPe(PyObject* value);
// A broadcast's (args, kwargs) packed for the runtime (never by reference: it is copied to every PE).
charm::MessageBuffer packBroadcast(PyObject* args, PyObject* kwargs, std::uint8_t& flags);
int mapPeOf(charm::CollectionId map, const charm::ArrayIndex& index, const charm::ArrayIndex& dims);

// proxy_methods.cc: the proxies' entry callers and element getters in C.
bool initProxyMethodType(PyObject* module);
PyObject* py_set_proxy_layout(PyObject*, PyObject* type);
PyObject* py_set_calls_held(PyObject*, PyObject* held);

// module_insertion.cc: sparse arrays.
PyObject* py_create_sparse(PyObject*, PyObject* args);
PyObject* py_insert(PyObject*, PyObject* args);
PyObject* py_done_inserting(PyObject*, PyObject* cid);
PyObject* py_sparse_home_pe(PyObject*, PyObject* index);
// destroy(collection_id): ckDestroy of an array.
PyObject* py_destroy(PyObject*, PyObject* cid);
// Runtime destroy hook: the Python layer forgets what it keeps for the array.
void forgetDestroyedCollection(charm::CollectionId collection);

// module_futures.cc: futures, fibers, timers and quiescence.
void deliverFutureMessage(charm::MessageBuffer message);
// Raises `reason` (an entry call that can never be delivered) at the call's reply
// future, as a LookupError naming the chare class, the index and the method.
void raiseUndeliverable(const charm::Envelope& env, const std::string& reason);
PyObject* py_send_future(PyObject*, PyObject* args);
PyObject* py_new_future_id(PyObject*, PyObject*);
PyObject* py_spawn(PyObject*, PyObject* args);
PyObject* py_current_fiber(PyObject*, PyObject*);
PyObject* py_suspend(PyObject*, PyObject* args);
// note_waiting(): a chare of this PE has a call waiting on a condition from now on.
PyObject* py_note_waiting(PyObject*, PyObject*);
// _charmpy.suspend(what) on the running fiber (the caller checked there is one).
PyObject* suspendRunningFiber(PyObject* what);
PyObject* py_waiting_coroutines(PyObject*, PyObject*);
PyObject* py_set_diagnosis(PyObject*, PyObject* report);
PyObject* py_resume(PyObject*, PyObject* args);
PyObject* py_after(PyObject*, PyObject* args);
PyObject* py_start_qd(PyObject*, PyObject* cb);

// module_reductions.cc: contributions to reductions.
PyObject* py_contribute(PyObject*, PyObject* args);
PyObject* py_contribute_numeric(PyObject*, PyObject* args);

// module_output.cc: sys.stdout and sys.stderr through the runtime (whole lines).
PyObject* py_write_output(PyObject*, PyObject* args);
PyObject* py_flush_output(PyObject*, PyObject* stream);

// python_migration.cc: moving Python chares.
PyObject* py_migrate(PyObject*, PyObject* args);
PyObject* py_set_migratable(PyObject*, PyObject* args);
PyObject* py_chare_state(PyObject*, PyObject* object);
PyObject* py_at_sync(PyObject*, PyObject* chare);
PyObject* py_lb_instrument(PyObject*, PyObject* on);
// Forward hook: an element message made for this PE (arguments by reference)
// that must travel after all, repacked so it can.
void makeRemotable(charm::MessageBuffer& message);
// Why a message from another PE cannot be accepted by the Python layer, or null
// (EmbeddingHooks::incomingProblem, through PythonEmbeddingHooks; incoming_check.cc).
const char* incomingProblem(const charm::Envelope& env);

// module_sections.cc: sections.
PyObject* py_section_new_id(PyObject*, PyObject*);
PyObject* py_section_register(PyObject*, PyObject* args);
PyObject* py_section_broadcast(PyObject*, PyObject* args, PyObject* kwargs);

// module_allreduce.cc: allreduce of numbers and arrays, results delivered per PE.
PyObject* py_allreduce_numeric(PyObject*, PyObject* const* args, Py_ssize_t nargs);
PyObject* py_allreduce_marker(PyObject*, PyObject* args);
PyObject* py_allreduce_fast_setup(PyObject*, PyObject* args);
PyObject* py_future_wait(PyObject*, PyObject* future);
PyObject* py_future_setup(PyObject*, PyObject* args);
PyObject* py_allreduce_scalar(PyObject*, PyObject* const* args, Py_ssize_t nargs);
// allreduce_scalar(chare, data, reducer) itself: a new Future, None when not taken,
// null with a Python exception set (also Chare.allreduce's C front, proxy_methods.cc).
PyObject* allreduceScalar(PyObject* chare, PyObject* data, PyObject* reducer);
void deliverAllReduce(charm::AllReduceManager::Result& result);

}  // namespace charmpy
