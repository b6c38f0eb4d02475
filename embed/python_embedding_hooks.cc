// PythonEmbeddingHooks: the Python layer's answers to the runtime (see
// python_embedding_hooks.h); the work is done by the module files named below.
#include "python_embedding_hooks.h"

#include "embed_state.h"
#include "module_support.h"

namespace charmpy {

// incoming_check.cc
const char* PythonEmbeddingHooks::incomingProblem(const charm::Envelope& env) { return charmpy::incomingProblem(env); }

// python_migration.cc
void PythonEmbeddingHooks::forwardingElementMessage(charm::MessageBuffer& message) { makeRemotable(message); }

// module_futures.cc
void PythonEmbeddingHooks::deliverExternalFuture(charm::MessageBuffer message) {
  deliverFutureMessage(std::move(message));
}

// module_allreduce.cc
void PythonEmbeddingHooks::deliverExternalAllReduce(charm::AllReduceManager::Result& result) {
  deliverAllReduce(result);
}

// module_futures.cc
bool PythonEmbeddingHooks::raiseUndeliverable(const charm::Envelope& env, const std::string& reason) {
  charmpy::raiseUndeliverable(env, reason);
  return true;
}

// module_calls.cc
int PythonEmbeddingHooks::arrayMapPe(charm::CollectionId map, const charm::ArrayIndex& index,
                                     const charm::ArrayIndex& dims) {
  return mapPeOf(map, index, dims);
}

// module_insertion.cc
void PythonEmbeddingHooks::collectionDestroyed(charm::CollectionId collection) {
  forgetDestroyedCollection(collection);
}

// python_state_size.cc
std::size_t PythonEmbeddingHooks::elementStateBytes(charm::ChareBase& e) { return pythonStateBytes(e); }

void PythonEmbeddingHooks::idle() {
  if (diagnosis_ && PyErr_CheckSignals() < 0) handleUncaught("a signal handler");
}

// module.cc: the program's streams are flushed before the PEs shut down together.
void PythonEmbeddingHooks::exiting() { flushPythonOutput(); }

std::string PythonEmbeddingHooks::waitingReport(std::uint64_t suspendedFibers) {
  if (!diagnosis_) return defaultWaitingReport(suspendedFibers);
  PyRef text = PyRef::steal(PyObject_CallNoArgs(diagnosis_.get()));
  const char* utf8 = text && PyUnicode_Check(text.get()) ? PyUnicode_AsUTF8(text.get()) : nullptr;
  if (!utf8) {
    PyErr_Clear();
    return "PE " + std::to_string(embedState().runtime->myPe()) + ": (its report of waiting coroutines failed)\n";
  }
  return utf8;
}

}  // namespace charmpy
