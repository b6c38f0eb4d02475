// EmbeddingHooks: what the runtime asks of the layer that embeds it (embed/, the
// Python interpreter), which sits above it (the runtime never includes embed/).
// The embedding implements this interface once and installs it with
// Runtime::setEmbeddingHooks before the scheduler runs. Every method's default
// is what a program without an embedding (C++ only) gets; such a program installs
// none, and the runtime then skips the calls (one null check), so it pays nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/allreduce_manager.h"
#include "charm/detail/envelope.h"
#include "charm/index.h"
#include "charm/detail/message.h"

namespace charm {

class ChareBase;

class EmbeddingHooks {
 public:
  virtual ~EmbeddingHooks() = default;

  // --- messages --------------------------------------------------------------
  // Checks the envelope of every message that arrives from another PE, after the
  // runtime's own checks (envelopeProblem): why the embedding could not accept it
  // (e.g. a flag that only same-PE messages may carry), or nullptr. A problem
  // aborts the job naming the message kind and the sending PE.
  virtual const char* incomingProblem(const Envelope& env);
  // An element message made on this PE is forwarded to another PE (its element
  // moved): turn payloads that are only meaningful on this PE into ones that travel.
  virtual void forwardingElementMessage(MessageBuffer& message);
  // A FutureValue flagged kExternalFutureFlag (a future the embedding manages).
  // Default: delivered to the runtime's FutureTable like any other.
  virtual void deliverExternalFuture(MessageBuffer message);
  // The result of an allreduce whose callback carries kExternalFutureFlag (one
  // call per PE and reduction), or one forwarded here by the home PE of elements
  // that contributed from here while away. Default: ignored.
  virtual void deliverExternalAllReduce(AllReduceManager::Result& result);
  // An entry call with a reply future that can never be delivered (its element
  // was never inserted, or its array destroyed): raise `reason` at the future and
  // return true. Default false: the job aborts naming the call.
  virtual bool raiseUndeliverable(const Envelope& env, const std::string& reason);

  // --- collections --------------------------------------------------------------
  // The PE of element `index` (of an array of dimensions `dims`) that the array map
  // `map` (CollectionSpec::arrayMap, a group) names. Default: throws std::logic_error
  // (only the embedding creates arrays with a custom map).
  virtual int arrayMapPe(CollectionId map, const ArrayIndex& index, const ArrayIndex& dims);
  // Array `collection` was destroyed on this PE: forget the embedding's records of it.
  virtual void collectionDestroyed(CollectionId collection);
  // Bytes element `e`'s state would take to migrate, without packing it (load
  // balancing's migration cost check asks for the elements it wants to move).
  // Default: pupStateBytes (a PUP sizing pass).
  virtual std::size_t elementStateBytes(ChareBase& e);
  // The default elementStateBytes, also used when no embedding is installed.
  static std::size_t pupStateBytes(ChareBase& e);

  // --- scheduler ------------------------------------------------------------------
  // Runs at every scheduler pass that found nothing to do (the embedding checks for
  // signals there, e.g. the SIGUSR1 report). Must be cheap.
  virtual void idle();
  // Runs on this PE when its scheduler stops for exit, before the PEs shut down
  // together (the embedding flushes its buffered output; see Runtime::run).
  virtual void exiting();
  // This PE's text about its waiting coroutines, for the deadlock report
  // (QuiescenceDetector). Default: how many fibers are suspended, if any.
  virtual std::string waitingReport(std::uint64_t suspendedFibers);
  // The default waitingReport, also used when no embedding is installed.
  static std::string defaultWaitingReport(std::uint64_t suspendedFibers);
};

}  // namespace charm
