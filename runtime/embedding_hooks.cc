// EmbeddingHooks: the behaviour of a program without an embedding (see embedding_hooks.h).
#include "runtime/embedding_hooks.h"

#include <stdexcept>

#include "runtime/chare_internals.h"
#include "runtime/runtime.h"

namespace charm {

const char* EmbeddingHooks::incomingProblem(const Envelope&) { return nullptr; }

void EmbeddingHooks::forwardingElementMessage(MessageBuffer&) {}

void EmbeddingHooks::deliverExternalFuture(MessageBuffer message) {
  const std::uint64_t id = envelopeOf(message).reply.id;
  Runtime::current().futures().deliver(id, std::move(message));
}

void EmbeddingHooks::deliverExternalAllReduce(AllReduceManager::Result&) {}

bool EmbeddingHooks::raiseUndeliverable(const Envelope&, const std::string&) { return false; }

int EmbeddingHooks::arrayMapPe(CollectionId, const ArrayIndex&, const ArrayIndex&) {
  throw std::logic_error("charm: an array names a custom map but no map function is set");
}

void EmbeddingHooks::collectionDestroyed(CollectionId) {}

std::size_t EmbeddingHooks::elementStateBytes(ChareBase& e) { return pupStateBytes(e); }

std::size_t EmbeddingHooks::pupStateBytes(ChareBase& e) {
  Pup sizer = Pup::sizer();
  ChareInternals::packState(e, sizer);
  return sizer.offset();
}

void EmbeddingHooks::idle() {}

void EmbeddingHooks::exiting() {}

std::string EmbeddingHooks::waitingReport(std::uint64_t suspendedFibers) { return defaultWaitingReport(suspendedFibers); }

std::string EmbeddingHooks::defaultWaitingReport(std::uint64_t suspendedFibers) {
  return suspendedFibers ? std::to_string(suspendedFibers) + " suspended fibers\n" : std::string();
}

}  // namespace charm
