// PythonEmbeddingHooks: what the embedded Python layer provides to the runtime
// (charm::EmbeddingHooks), in one place. Each method hands over to the module
// file that owns the concept (futures, allreduces, migration, insertion, the
// incoming-message check, output). One per PE, kept in EmbedState and installed
// with Runtime::setEmbeddingHooks by _charmpy.set_hooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "py_ref.h"
#include "runtime/embedding_hooks.h"

namespace charmpy {

class PythonEmbeddingHooks final : public charm::EmbeddingHooks {
 public:
  const char* incomingProblem(const charm::Envelope& env) override;
  void forwardingElementMessage(charm::MessageBuffer& message) override;
  void deliverExternalFuture(charm::MessageBuffer message) override;
  void deliverExternalAllReduce(charm::AllReduceManager::Result& result) override;
  bool raiseUndeliverable(const charm::Envelope& env, const std::string& reason) override;
  int arrayMapPe(charm::CollectionId map, const charm::ArrayIndex& index, const charm::ArrayIndex& dims) override;
  void collectionDestroyed(charm::CollectionId collection) override;
  std::size_t elementStateBytes(charm::ChareBase& e) override;
  void idle() override;
  void exiting() override;
  std::string waitingReport(std::uint64_t suspendedFibers) override;

  // _charmpy.set_diagnosis(report): `report()` returns this PE's text about its
  // waiting coroutines (waitingReport); from then on Python's signal handlers
  // (SIGUSR1's report) also run whenever the scheduler is idle.
  void setDiagnosis(PyRef report) { diagnosis_ = std::move(report); }

 private:
  PyRef diagnosis_;
};

// python_state_size.cc: the bytes a chare's state would take to migrate (a Python
// chare's pickled state with its arrays' bytes counted, not copied; a C++ chare's
// PUP size).
std::size_t pythonStateBytes(charm::ChareBase& e);

}  // namespace charmpy
