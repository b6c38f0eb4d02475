// Runtime: migration of elements and the delivery of messages to elements that
// move. Every element has a home (the PE its collection's map gives it); the
// home counts its contributions and hands it every broadcast, wherever it lives.
// Messages for an element that is not here follow the LocationTable (forwarding
// pointer, home record, else home); FIFO order between two PEs makes a message
// forwarded along a forwarding pointer arrive after the element itself.
// Broadcasts reach an element in their numbering order: one that overtakes an
// earlier one waits for it (and moves with the element).
#include <cstring>
#include <stdexcept>

#include "runtime/chare_base.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {
// EntryCall / ElementBroadcast / ElementSectionBroadcast flag (these kinds leave
// bit 0 to the runtime): the message was forwarded, and treeRoot holds the PE
// that first sent it, to be told where the element is.
constexpr std::uint8_t kForwardedToElement = kRuntimeFlagBits;

// LocationUpdate: `reserved` says whether it is the element's arrival, reported
// to its home (which keeps a record), or a hint for a sender's routing.
constexpr std::uint16_t kArrivalRecord = 1;

// ElementSectionBroadcast payload prefix, then the caller's payload (16-aligned).
struct SectionDelivery {
  SectionId section;
  std::uint32_t position;
  std::int32_t countingPe;
};
constexpr std::size_t kSectionDeliveryBytes = (sizeof(SectionDelivery) + 15) & ~std::size_t{15};

// "Element (collection, index) lives on `pe`"; `kind` 0 (a hint) or kArrivalRecord.
MessageBuffer locationUpdate(CollectionId collection, const ArrayIndex& index, int pe, std::uint16_t kind) {
  MessageBuffer m = newMessage(MessageKind::LocationUpdate, 0);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.index = index;
  env.sequence = static_cast<std::uint32_t>(pe);
  env.reserved = kind;
  return m;
}
}  // namespace

// --- requests ---------------------------------------------------------------

void Runtime::migrate(CollectionId collection, const ArrayIndex& index, int pe) {
  if (pe < 0 || pe >= numPes_)
    throw std::out_of_range("charm: migrate to PE " + std::to_string(pe) + ", which does not exist (0.." +
                            std::to_string(numPes_ - 1) + ")");
  Collection* c = findCollection(collection);
  if (!c) throw std::logic_error("charm: migrate(): collection " + std::to_string(collection) + " is not known here");
  if (c->kind() == CollectionKind::Group) throw std::invalid_argument("charm: group elements never migrate");
  ChareBase* element = nullptr;
  if (auto it = c->elements.find(index); it != c->elements.end())
    element = it->second.get();
  else if (construction_.element && construction_.collection == collection && construction_.index == index)
    element = construction_.element;  // from its constructor: runPendingMigrations finds it constructed
  if (!element)
    throw std::logic_error("charm: migrate(): element " + index.toString() + " is not on PE " +
                           std::to_string(myPe_) + "; ask it to move itself from an entry method");
  ChareBase& e = *element;
  if (e.migrationEntry() == kNoEntry)
    throw std::invalid_argument("charm: element " + index.toString() + " cannot migrate: " + e.migrationBlocker());
  if (!e.migratable())
    throw std::invalid_argument("charm: element " + index.toString() + " is set not migratable");
  for (PendingMigration& m : pendingMigrations_)
    if (m.collection == collection && m.index == index) {
      m.pe = pe;  // the latest request wins
      return;
    }
  pendingMigrations_.push_back({collection, index, pe});
}

bool Runtime::runPendingMigrations() {
  bool moved = false;
  std::vector<PendingMigration> later;
  std::vector<PendingMigration> now;
  now.swap(pendingMigrations_);
  for (const PendingMigration& m : now) {
    Collection* c = findCollection(m.collection);
    if (!c) continue;
    auto it = c->elements.find(m.index);
    if (it == c->elements.end()) continue;  // gone already (an earlier request moved it)
    if (!it->second->busyReason().empty()) {
      later.push_back(m);  // a coroutine of it is suspended here: move it once that ended
      continue;
    }
    moved |= doMigrate(m.collection, m.index, m.pe);
  }
  for (PendingMigration& m : pendingMigrations_) later.push_back(m);  // requested meanwhile
  pendingMigrations_.swap(later);
  return moved;
}

bool Runtime::doMigrate(CollectionId collection, const ArrayIndex& index, int pe) {
  Collection& c = *findCollection(collection);
  auto it = c.elements.find(index);
  if (pe == myPe_) return false;
  ChareBase& e = *it->second;
  // [u64 bytes of the next two][collection spec][runtime state][padding][user
  // state]. The spec lets a PE that never had the collection (a singleton's) take
  // the element. The user state starts 16-byte aligned: the arrays of a Python
  // chare's state are used where they lie in the message.
  CollectionSpec spec = c.spec();
  Pup runtimeSizer = Pup::sizer();
  runtimeSizer | spec;
  e.pupRuntimeState(runtimeSizer);
  Pup userSizer = Pup::sizer();
  e.packState(userSizer);
  const std::size_t runtimeBytes = runtimeSizer.offset();
  const std::size_t userBytes = userSizer.offset();
  const std::size_t userOffset = userStateOffset(runtimeBytes);
  MessageBuffer m = newMessage(MessageKind::MigrateElement, userOffset + userBytes);
  std::byte* out = payloadOf(m);
  const std::uint64_t header = runtimeBytes;
  std::memcpy(out, &header, sizeof header);
  Pup runtimePacker = Pup::packer(out + sizeof header, runtimeBytes);
  runtimePacker | spec;
  e.pupRuntimeState(runtimePacker);
  Pup userPacker = Pup::packer(out + userOffset, userBytes);
  e.packState(userPacker);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.index = index;
  env.entry = e.migrationEntry();
  c.elements.erase(it);  // the element is gone from here before anything else runs
  locations_.departed(collection, index, pe);
  send(pe, std::move(m));
  // Broadcasts it was holding follow it (after it: FIFO between the two PEs).
  for (MessageBuffer& message : pending_.release(PendingMessages::broadcastTurn(ElementKey{collection, index}))) {
    envelopeOf(message).kind = MessageKind::ElementBroadcast;
    envelopeOf(message).index = index;
    send(pe, std::move(message));
  }
  return true;
}

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
  element->pupRuntimeState(runtimePup);
  ChareBase* e = element.get();
  const int home = e->homePe();
  c->elements.emplace(index, std::move(element));
  locations_.arrived(collection, index, myPe_, home == myPe_);
  if (home != myPe_) {
    send(home, locationUpdate(collection, index, myPe_, kArrivalRecord));
  }
  e->migrated();
  if (LoadBalancerHooks* balancer = meter_.balancer()) balancer->elementArrived(collection, index);
  elementArrived(*c, index);
}

void Runtime::elementArrived(Collection& collection, const ArrayIndex& index) {
  for (MessageBuffer& m : pending_.release(PendingMessages::element(ElementKey{collection.id(), index}))) dispatch(m);
}

void Runtime::handleLocationUpdate(const MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  const int pe = static_cast<int>(env.sequence);
  if (env.sequence >= static_cast<std::uint32_t>(numPes_))
    throw PupError("charm: a location update names PE " + std::to_string(env.sequence) + " of " +
                   std::to_string(numPes_));
  if (destroyedHere(env.collection)) return;  // nothing is kept for it any more
  if (env.reserved == kArrivalRecord)
    locations_.record(env.collection, env.index, pe);
  else
    locations_.learn(env.collection, env.index, pe);
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
  if ((env.flags & kForwardedToElement) && env.treeRoot != myPe_ && env.treeRoot >= 0) {
    // Tell the original sender where the element is, so its next messages come here.
    send(env.treeRoot, locationUpdate(env.collection, env.index, myPe_, 0));
    env.flags &= static_cast<std::uint8_t>(~kForwardedToElement);
  }
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
  const LocationTable::Decision d = locations_.whereNext(env.collection, env.index, home, myPe_);
  if (d.action == LocationTable::Action::Buffer) {
    if (neverInserted(collection, env.index)) {
      rejectUndeliverable(std::move(message), "was never inserted (ckDoneInserting has completed)");
      return;
    }
    pending_.hold(PendingMessages::element(ElementKey{env.collection, env.index}), std::move(message));
    return;
  }
  if (!(env.flags & kForwardedToElement)) {
    env.flags |= kForwardedToElement;
    env.treeRoot = env.sourcePe;
  }
  if (embedding_) embedding_->forwardingElementMessage(message);
  send(d.pe, std::move(message));
}

// --- broadcasts ------------------------------------------------------------------------

void Runtime::deliverBroadcastToCollection(Collection& c, MessageBuffer& message) {
  // This PE hands broadcast k to the elements it is home to. Copies go to those
  // that moved away first, so they start at once rather than after the local
  // elements' entry methods; then the local ones get it.
  c.nextHomeBroadcast = envelopeOf(message).sequence + 1;  // elements inserted from now start after it
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
    ce.flags &= static_cast<std::uint8_t>(~kRuntimeFlagBits);
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
  const std::uint32_t number = env.sequence;
  if (number < element->nextBroadcast()) return;  // had it already
  if (number > element->nextBroadcast()) {
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
  element->setNextBroadcast(number + 1);
  deliverToElement(element, env, adoptable);
  while (MessageBuffer m = pending_.releaseNumbered(PendingMessages::broadcastTurn(key), element->nextBroadcast())) {
    element->setNextBroadcast(element->nextBroadcast() + 1);
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
  out.sequence = env.sequence;
  out.reply = env.reply;
  out.flags = env.flags & static_cast<std::uint8_t>(~kRuntimeFlagBits);
  out.sourcePe = myPe_;
  forwardToElement(collection, std::move(m));
}

// --- contributions of elements away from their counting PE --------------------------------

void Runtime::sendRemoteContribution(int countingPe, std::uint64_t scope, std::uint8_t stream,
                                     std::uint32_t number, const ReductionValue& value,
                                     const Callback& callback) {
  // A section's counting PE may never have heard of it: the spec goes along.
  SectionSpec spec;
  if (isSectionId(scope)) {
    const SectionInfo* info = sections_.find(scope);
    if (!info || !info->complete())
      throw std::logic_error("charm: a contribution to a section this PE does not know");
    spec = info->spec();
  }
  const std::size_t size = packedSize(callback, value, spec);
  MessageBuffer m = newMessage(MessageKind::RemoteContribution, size);
  packInto(payloadOf(m), size, callback, value, spec);
  Envelope& env = envelopeOf(m);
  env.collection = scope;
  env.reserved = stream;
  env.sequence = number;
  send(countingPe, std::move(m));
}

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
  reductions_.contribute(env.collection, static_cast<ReductionStream>(env.reserved), env.sequence,
                         std::move(value), callback);
}

void Runtime::sendRemoteAllReduce(int home, CollectionId collection, const ArrayIndex& index,
                                  std::uint32_t number, const ReductionValue& value, const Callback& callback) {
  const std::size_t size = packedSize(callback, value);
  MessageBuffer m = newMessage(MessageKind::RemoteAllReduce, size);
  packInto(payloadOf(m), size, callback, value);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.index = index;
  env.sequence = number;
  send(home, std::move(m));
}

void Runtime::handleRemoteAllReduce(MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  Collection* c = findCollection(env.collection);
  if (!c) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  auto [callback, value] = unpackTuple<Callback, ReductionValue>(payloadOf(message), payloadSizeOf(message));
  allreduces_.contributeRemote(*c, env.sequence, value.span(), callback, env.sourcePe, env.index);
}

}  // namespace charm
