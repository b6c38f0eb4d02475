// Runtime: the delivery of messages to elements that move, and their arrival.
// Every element has a home (the PE its collection's map gives it); the home
// counts its contributions and hands it every broadcast, wherever it lives.
// Messages for an element that is not here follow the LocationManager
// (forwarding pointer, home record, else home), which also packs and sends
// elements that move; FIFO order between two PEs makes a message forwarded along
// a forwarding pointer arrive after the element itself. Broadcasts reach an
// element in their numbering order: one that overtakes an earlier one waits for
// it (and moves with the element).
#include <cstring>
#include <stdexcept>

#include "charm/chare_base.h"
#include "runtime/chare_internals.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {
// ElementSectionBroadcast payload prefix, then the caller's payload (16-aligned).
struct SectionDelivery {
  SectionId section;
  std::uint32_t position;
  std::int32_t countingPe;
};
constexpr std::size_t kSectionDeliveryBytes = (sizeof(SectionDelivery) + 15) & ~std::size_t{15};
}  // namespace

// --- arrivals ------------------------------------------------------------------

void Runtime::handleMigrate(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  const MigrationFraming framing = readMigrationFraming(payloadOf(message), payloadSizeOf(message));
  const std::size_t runtimeBytes = framing.runtimeBytes;
  const std::byte* runtimeState = payloadOf(message) + sizeof(std::uint64_t);
  Pup p = Pup::unpacker(runtimeState, runtimeBytes);
  CollectionSpec spec;
  p | spec;
  Collection* c = findCollection(env.collection);
  if (!c && spec.kind == CollectionKind::Singleton) {
    // A singleton chare exists only where it lives: this PE learns its collection now.
    c = collections_.emplace(env.collection, std::make_unique<Collection>(env.collection, spec, numPes_, embedding_))
            .first->second.get();
    reductions_.collectionCreated(*c);
  }
  if (!c) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  // The constructor may adopt the message (a Python chare's arrays keep using it),
  // and the message may be freed once their owner drops them: take out what is
  // still needed afterwards first.
  const CollectionId collection = env.collection;
  const ArrayIndex index = env.index;
  const std::vector<std::byte> rest(runtimeState + p.offset(), runtimeState + runtimeBytes);
  const std::size_t userOffset = framing.userOffset;
  construction_ = ConstructionContext{collection, index};
  InvokeContext ctx = InvokeContext::forConstructor(env.entry, payloadOf(message) + userOffset,
                                                    payloadSizeOf(message) - userOffset, &message);
  std::unique_ptr<ChareBase> element = Registry::instance().entry(ctx.entry).construct(ctx);
  construction_ = ConstructionContext{};
  Pup runtimePup = Pup::unpacker(rest.data(), rest.size());
  ChareInternals::pupRuntimeState(*element, runtimePup);
  ChareBase* e = element.get();
  const int home = ChareInternals::homePe(*e);
  c->elements.emplace(index, std::move(element));
  locations_.arrived(collection, index, home);
  e->migrated();
  if (LoadBalancerHooks* balancer = meter_.balancer()) balancer->elementArrived(collection, index);
  elementArrived(*c, index);
}

void Runtime::elementArrived(Collection& collection, const ArrayIndex& index) {
  for (MessageBuffer& m : pending_.release(PendingMessages::element(ElementKey{collection.id(), index}))) dispatch(m);
}

void Runtime::handleLocationUpdate(const MessageBuffer& message) {
  LocationManager::checkUpdate(message, numPes_);
  if (destroyedHere(envelopeOf(message).collection)) return;  // nothing is kept for it any more
  locations_.applyUpdate(message);
}

// --- element messages ------------------------------------------------------------

void Runtime::handleElementMessage(MessageBuffer& message) {
  Envelope& env = envelopeOf(message);
  Collection* c = findCollection(env.collection);
  if (!c) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  auto it = c->elements.find(env.index);
  if (it == c->elements.end()) {
    if (c->kind() == CollectionKind::Group)
      throw std::logic_error("message for group element " + env.index.toString() + " on PE " +
                             std::to_string(myPe_));
    forwardToElement(*c, std::move(message));
    return;
  }
  locations_.delivered(env);
  ChareBase* element = it->second.get();
  switch (env.kind) {
    case MessageKind::EntryCall:
      deliverToElement(element, env, &message);
      return;
    case MessageKind::ElementBroadcast:
      deliverBroadcastInOrder(element, ElementKey{env.collection, env.index}, env, &message);
      return;
    case MessageKind::ElementSectionBroadcast: {
      if (env.payloadSize < kSectionDeliveryBytes)
        throw PupError("charm: a truncated element section broadcast (" + std::to_string(env.payloadSize) +
                       " bytes)");
      SectionDelivery d;
      std::memcpy(&d, payloadOf(message), sizeof d);
      InvokeContext ctx = InvokeContext::forSectionMember(env, payloadOf(message) + kSectionDeliveryBytes,
                                                          env.payloadSize - kSectionDeliveryBytes, &message,
                                                          env.entry, d.section, d.position, d.countingPe);
      invokeEntry(element, ctx);
      return;
    }
    default:
      throw std::logic_error("charm: not an element message");
  }
}

void Runtime::forwardToElement(Collection& collection, MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  const int home = collection.peOf(env.index);
  const LocationTable::Decision d = locations_.whereNext(env.collection, env.index, home);
  if (d.action == LocationTable::Action::Buffer) {
    if (neverInserted(collection, env.index)) {
      rejectUndeliverable(std::move(message), "was never inserted (ckDoneInserting has completed)");
      return;
    }
    pending_.hold(PendingMessages::element(ElementKey{env.collection, env.index}), std::move(message));
    return;
  }
  locations_.forward(d.pe, std::move(message));
}

// --- broadcasts ------------------------------------------------------------------------

void Runtime::deliverBroadcastToCollection(Collection& c, MessageBuffer& message) {
  // This PE hands broadcast k to the elements it is home to. Copies go to those
  // that moved away first, so they start at once rather than after the local
  // elements' entry methods; then the local ones get it.
  c.nextHomeBroadcast = envelopeOf(message).broadcastNumber() + 1;  // elements inserted from now start after it
  std::size_t present = 0;
  for (const ArrayIndex& index : c.homeIndices) {
    if (c.elements.count(index)) {
      ++present;
      continue;
    }
    MessageBuffer copy = copyMessage(message);
    Envelope& ce = envelopeOf(copy);
    ce.kind = MessageKind::ElementBroadcast;
    ce.index = index;
    ce.flags &= static_cast<std::uint8_t>(~kRuntimeFlagBits);  // kForwardedDownTree is no element flag
    forwardToElement(c, std::move(copy));
  }
  for (const ArrayIndex& index : c.homeIndices) {
    auto it = c.elements.find(index);
    if (it == c.elements.end()) continue;
    deliverBroadcastInOrder(it->second.get(), ElementKey{c.id(), index}, envelopeOf(message),
                            --present == 0 ? &message : nullptr);
    if (!message) return;
  }
}

void Runtime::deliverBroadcastInOrder(ChareBase* element, const ElementKey& key, const Envelope& env,
                                      MessageBuffer* adoptable) {
  const std::uint32_t number = env.broadcastNumber();
  if (number < ChareInternals::nextBroadcast(*element)) return;  // had it already
  if (number > ChareInternals::nextBroadcast(*element)) {
    // An earlier broadcast is still on its way to this element: keep this one.
    MessageBuffer kept = adoptable && *adoptable ? std::move(*adoptable) : MessageBuffer{};
    if (!kept) {
      const std::byte* start = reinterpret_cast<const std::byte*>(&env);
      kept = MessageBuffer::allocate(kPayloadOffset + env.payloadSize);
      std::memcpy(kept.data(), start, kPayloadOffset + env.payloadSize);
    }
    pending_.holdNumbered(PendingMessages::broadcastTurn(key), number, std::move(kept));
    return;
  }
  ChareInternals::setNextBroadcast(*element, number + 1);
  deliverToElement(element, env, adoptable);
  while (MessageBuffer m = pending_.releaseNumbered(PendingMessages::broadcastTurn(key), ChareInternals::nextBroadcast(*element))) {
    ChareInternals::setNextBroadcast(*element, ChareInternals::nextBroadcast(*element) + 1);
    deliverToElement(element, envelopeOf(m), &m);
  }
}

void Runtime::forwardSectionCopy(Collection& collection, const SectionRouting::LocalMember& member,
                                 const SectionRouting& routing, const Envelope& env, const std::byte* payload,
                                 std::size_t payloadSize) {
  MessageBuffer m = newMessage(MessageKind::ElementSectionBroadcast, kSectionDeliveryBytes + payloadSize);
  const SectionDelivery d{routing.section, member.position, myPe_};  // this PE counts its reply
  std::memcpy(payloadOf(m), &d, sizeof d);
  if (payloadSize) std::memcpy(payloadOf(m) + kSectionDeliveryBytes, payload, payloadSize);
  Envelope& out = envelopeOf(m);
  out.collection = member.collection;
  out.index = member.index;
  out.entry = routing.entryFor(member.collection);
  out.setBroadcastNumber(env.broadcastNumber());
  out.reply = env.reply;
  out.flags = env.flags & static_cast<std::uint8_t>(~kRuntimeFlagBits);
  out.sourcePe = myPe_;
  forwardToElement(collection, std::move(m));
}

// --- contributions of elements away from their counting PE --------------------------------

void Runtime::handleRemoteContribution(MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  if (!isSectionId(env.collection) && !findCollection(env.collection)) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  auto [callback, value, spec] =
      unpackTuple<Callback, ReductionValue, SectionSpec>(payloadOf(message), payloadSizeOf(message));
  if (isSectionId(env.collection)) {
    const SectionInfo* known = sections_.find(env.collection);
    if (!known || !known->complete()) addSection(std::move(spec));
  }
  reductions_.contribute(env.collection, static_cast<ReductionStream>(env.reductionStream()), env.reductionNumber(),
                         std::move(value), callback);
}

void Runtime::handleRemoteAllReduce(MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  Collection* c = findCollection(env.collection);
  if (!c) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  auto [callback, value] = unpackTuple<Callback, ReductionValue>(payloadOf(message), payloadSizeOf(message));
  allreduces_.contributeRemote(*c, env.reductionNumber(), value.span(), callback, env.sourcePe, env.index);
}

}  // namespace charm
