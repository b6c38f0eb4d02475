// LocationManager: location records, forwarding and element moves (see location_manager.h).
#include "runtime/location_manager.h"

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "charm/chare_base.h"
#include "runtime/chare_internals.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {
// LocationUpdate: `reserved` says whether it is the element's arrival, reported
// to its home (which keeps a record), or a hint for a sender's routing.
constexpr std::uint16_t kArrivalRecord = 1;

// "Element (collection, index) lives on `pe`"; `kind` 0 (a hint) or kArrivalRecord.
MessageBuffer locationUpdate(CollectionId collection, const ArrayIndex& index, int pe, std::uint16_t kind) {
  MessageBuffer m = newMessage(MessageKind::LocationUpdate, 0);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.index = index;
  env.setLocationPe(static_cast<std::uint32_t>(pe));
  env.setLocationUpdateKind(kind);
  return m;
}
}  // namespace

// --- routing ------------------------------------------------------------------------

LocationTable::Decision LocationManager::whereNext(CollectionId collection, const ArrayIndex& index, int home) const {
  return table_.whereNext(collection, index, home, runtime_.myPe());
}

void LocationManager::forward(int pe, MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  if (!hasFlag(env, kForwardedToElement)) {
    setFlag(env, kForwardedToElement);
    env.setOriginalSender(env.sourcePe);
  }
  if (EmbeddingHooks* embedding = runtime_.embeddingHooks()) embedding->forwardingElementMessage(message);
  runtime_.send(pe, std::move(message));
}

void LocationManager::tellSender(Envelope& env) {
  const int myPe = runtime_.myPe();
  if (env.originalSender() == myPe || env.originalSender() < 0) return;
  // Tell the original sender where the element is, so its next messages come here.
  runtime_.send(env.originalSender(), locationUpdate(env.collection, env.index, myPe, 0));
  clearFlag(env, kForwardedToElement);
}

// --- location records ---------------------------------------------------------------

void LocationManager::arrived(CollectionId collection, const ArrayIndex& index, int home) {
  const int myPe = runtime_.myPe();
  table_.arrived(collection, index, myPe, home == myPe);
  if (home != myPe) runtime_.send(home, locationUpdate(collection, index, myPe, kArrivalRecord));
}

void LocationManager::insertedHere(CollectionId collection, const ArrayIndex& index, int home) {
  if (home != runtime_.myPe()) table_.arrived(collection, index, runtime_.myPe(), false);
}

void LocationManager::placedOn(CollectionId collection, const ArrayIndex& index, int pe) {
  table_.record(collection, index, pe);
}

void LocationManager::checkUpdate(const MessageBuffer& message, int numPes) {
  const Envelope& env = envelopeOf(message);
  if (env.locationPe() >= static_cast<std::uint32_t>(numPes))
    throw PupError("charm: a location update names PE " + std::to_string(env.locationPe()) + " of " +
                   std::to_string(numPes));
}

void LocationManager::applyUpdate(const MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  const int pe = static_cast<int>(env.locationPe());
  if (env.locationUpdateKind() == kArrivalRecord)
    table_.record(env.collection, env.index, pe);
  else
    table_.learn(env.collection, env.index, pe);
}

// --- migration ----------------------------------------------------------------------

void LocationManager::requestMigration(CollectionId collection, const ArrayIndex& index, int pe) {
  const int numPes = runtime_.numPes();
  if (pe < 0 || pe >= numPes)
    throw std::out_of_range("charm: migrate to PE " + std::to_string(pe) + ", which does not exist (0.." +
                            std::to_string(numPes - 1) + ")");
  Collection* c = runtime_.collections().find(collection);
  if (!c) throw std::logic_error("charm: migrate(): collection " + std::to_string(collection) + " is not known here");
  if (c->kind() == CollectionKind::Group) throw std::invalid_argument("charm: group elements never migrate");
  ChareBase* element = nullptr;
  const ConstructionContext& construction = runtime_.collections().constructionContext();
  if (auto it = c->elements.find(index); it != c->elements.end())
    element = it->second.get();
  else if (construction.element && construction.collection == collection && construction.index == index)
    element = construction.element;  // from its constructor: runPendingMigrations finds it constructed
  if (!element)
    throw std::logic_error("charm: migrate(): element " + index.toString() + " is not on PE " +
                           std::to_string(runtime_.myPe()) + "; ask it to move itself from an entry method");
  ChareBase& e = *element;
  if (ChareInternals::migrationEntry(e) == kNoEntry)
    throw std::invalid_argument("charm: element " + index.toString() + " cannot migrate: " + ChareInternals::migrationBlocker(e));
  if (!e.migratable())
    throw std::invalid_argument("charm: element " + index.toString() + " is set not migratable");
  for (PendingMigration& m : pendingMigrations_)
    if (m.collection == collection && m.index == index) {
      m.pe = pe;  // the latest request wins
      return;
    }
  pendingMigrations_.push_back({collection, index, pe});
}

bool LocationManager::runPendingMigrations() {
  bool moved = false;
  std::vector<PendingMigration> later;
  std::vector<PendingMigration> now;
  now.swap(pendingMigrations_);
  for (const PendingMigration& m : now) {
    Collection* c = runtime_.collections().find(m.collection);
    if (!c) continue;
    auto it = c->elements.find(m.index);
    if (it == c->elements.end()) continue;  // gone already (an earlier request moved it)
    if (!ChareInternals::busyReason(*it->second).empty()) {
      later.push_back(m);  // a coroutine of it is suspended here: move it once that ended
      continue;
    }
    moved |= moveElement(m.collection, m.index, m.pe);
  }
  for (PendingMigration& m : pendingMigrations_) later.push_back(m);  // requested meanwhile
  pendingMigrations_.swap(later);
  return moved;
}

bool LocationManager::moveElement(CollectionId collection, const ArrayIndex& index, int pe) {
  Collection& c = *runtime_.collections().find(collection);
  auto it = c.elements.find(index);
  if (pe == runtime_.myPe()) return false;
  ChareBase& e = *it->second;
  const auto packStart = std::chrono::steady_clock::now();
  // [u64 bytes of the next two][collection spec][runtime state][padding][user
  // state]. The spec lets a PE that never had the collection (a singleton's) take
  // the element. The user state starts 16-byte aligned: the arrays of a Python
  // chare's state are used where they lie in the message.
  CollectionSpec spec = c.spec();
  Pup runtimeSizer = Pup::sizer();
  runtimeSizer | spec;
  ChareInternals::pupRuntimeState(e, runtimeSizer);
  Pup userSizer = Pup::sizer();
  ChareInternals::packState(e, userSizer);
  const std::size_t runtimeBytes = runtimeSizer.offset();
  const std::size_t userBytes = userSizer.offset();
  const std::size_t userOffset = userStateOffset(runtimeBytes);
  MessageBuffer m = newMessage(MessageKind::MigrateElement, userOffset + userBytes);
  std::byte* out = payloadOf(m);
  const std::uint64_t header = runtimeBytes;
  std::memcpy(out, &header, sizeof header);
  Pup runtimePacker = Pup::packer(out + sizeof header, runtimeBytes);
  runtimePacker | spec;
  ChareInternals::pupRuntimeState(e, runtimePacker);
  Pup userPacker = Pup::packer(out + userOffset, userBytes);
  ChareInternals::packState(e, userPacker);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.index = index;
  env.entry = ChareInternals::migrationEntry(e);
  ++sent_.elements;
  sent_.bytes += userOffset + userBytes;
  sent_.packSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - packStart).count();
  c.elements.erase(it);  // the element is gone from here before anything else runs
  table_.departed(collection, index, pe);
  runtime_.send(pe, std::move(m));
  // Broadcasts it was holding follow it (after it: FIFO between the two PEs).
  for (MessageBuffer& message :
       runtime_.pending().release(PendingMessages::broadcastTurn(ElementKey{collection, index}))) {
    envelopeOf(message).kind = MessageKind::ElementBroadcast;
    envelopeOf(message).index = index;
    runtime_.send(pe, std::move(message));
  }
  return true;
}

void LocationManager::forgetCollection(CollectionId id) {
  std::erase_if(pendingMigrations_, [id](const PendingMigration& m) { return m.collection == id; });
  table_.forgetCollection(id);
}

// --- contributions of elements away from their counting PE --------------------------------

void LocationManager::sendRemoteContribution(int countingPe, std::uint64_t scope, std::uint8_t stream,
                                             std::uint32_t number, const ReductionValue& value,
                                             const Callback& callback) {
  // A section's counting PE may never have heard of it: the spec goes along.
  SectionSpec spec;
  if (isSectionId(scope)) {
    const SectionInfo* info = runtime_.sections().find(scope);
    if (!info || !info->complete())
      throw std::logic_error("charm: a contribution to a section this PE does not know");
    spec = info->spec();
  }
  const std::size_t size = packedSize(callback, value, spec);
  MessageBuffer m = newMessage(MessageKind::RemoteContribution, size);
  packInto(payloadOf(m), size, callback, value, spec);
  Envelope& env = envelopeOf(m);
  env.collection = scope;
  env.setReductionStream(stream);
  env.setReductionNumber(number);
  runtime_.send(countingPe, std::move(m));
}

void LocationManager::sendRemoteAllReduce(int home, CollectionId collection, const ArrayIndex& index,
                                          std::uint32_t number, const ReductionValue& value, const Callback& callback) {
  const std::size_t size = packedSize(callback, value);
  MessageBuffer m = newMessage(MessageKind::RemoteAllReduce, size);
  packInto(payloadOf(m), size, callback, value);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.index = index;
  env.setReductionNumber(number);
  runtime_.send(home, std::move(m));
}

}  // namespace charm
