// Runtime: creating collections. A collection's id is unique without
// communication; creation goes down the broadcast tree (a singleton straight to
// its PE), each PE constructing the elements it is home to, then running what
// waited for the collection (PendingMessages) through dispatch.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "charm/chare_base.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

CollectionId Runtime::newCollectionId() {
  return (static_cast<CollectionId>(myPe_) << 32) | nextCollectionCounter_++;
}

int Runtime::placeSingleton() {
  const int pe = nextSingletonPe_;
  nextSingletonPe_ = (nextSingletonPe_ + 1) % numPes_;
  return pe;
}

Collection* Runtime::findCollection(CollectionId id) {
  auto it = collections_.find(id);
  return it == collections_.end() ? nullptr : it->second.get();
}

void Runtime::createCollection(CollectionId id, const CollectionSpec& spec, MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  env.kind = MessageKind::CreateCollection;
  env.collection = id;
  env.setTreeRoot(myPe_);
  send(spec.kind == CollectionKind::Singleton ? spec.onPe : myPe_, std::move(message));
}

void Runtime::handleCreate(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  Pup p = Pup::unpacker(payloadOf(message), payloadSizeOf(message));
  CollectionSpec spec;
  p | spec;
  if (spec.kind == CollectionKind::Array && spec.arrayMap != 0 && !findCollection(spec.arrayMap)) {
    // The array's map is a group that another PE may have created: its creation
    // can reach this PE after the array's. Place nothing (and forward nothing)
    // before the map exists here; messages for the array wait for it meanwhile.
    waitForCollection(spec.arrayMap, std::move(message));
    return;
  }
  if (spec.kind != CollectionKind::Singleton) forwardDownTree(message, env.treeRoot());

  // Register the collection before constructing its elements, so constructors
  // may already use thisProxy and contribute.
  const CollectionId id = env.collection;
  Collection& collection =
      *collections_.emplace(id, std::make_unique<Collection>(id, spec, numPes_, embedding_)).first->second;
  reductions_.collectionCreated(collection);
  if (spec.useAtSync) {
    // Its elements' loads feed the balancer, and this PE's load sample starts
    // here: what ran before (start-up, imports, set-up) is no background load of
    // the balanced work, and counted in it made the first step move elements off
    // the PEs that had done more of it.
    meter_.setInstrumentation(true);
    meter_.takeLoadSample();
  }
  collection.homeIndices = collection.indicesOn(myPe_);
  for (const ArrayIndex& index : collection.homeIndices) {
    construction_ = ConstructionContext{id, index};
    InvokeContext ctx = InvokeContext::forConstructor(spec.constructor, payloadOf(message) + p.offset(),
                                                      payloadSizeOf(message) - p.offset());
    collection.elements.emplace(index, Registry::instance().entry(spec.constructor).construct(ctx));
  }
  construction_ = ConstructionContext{};
  // The constructors are set-up as well (a block allocating and filling its
  // grids): counted as this PE's background load, they made the first step
  // balance start-up noise (0.2 s a PE for stencil3d's 32 blocks of 1 MB).
  if (spec.useAtSync) meter_.takeLoadSample();

  // Run what arrived before the collection existed here, in arrival order.
  for (MessageBuffer& m : pending_.release(PendingMessages::collection(id))) dispatch(m);
  // A ckDestroy that reached this PE before the creation: what waited ran, now destroy.
  if (!destroyed_.empty())
    if (auto it = destroyed_.find(id); it != destroyed_.end() && it->second.awaitingCreation) destroyHere(id);
}

}  // namespace charm
