// The runtime side of charm/detail/runtime_calls.h: each call of the public
// templates forwarded to the calling PE's Runtime (or the Registry).
#include "charm/detail/runtime_calls.h"

#include <utility>

#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace charm::detail {

void sendEntryCall(CollectionId collection, const ArrayIndex& index, int pe, EntryId entry,
                   MessageBuffer message, FutureRef reply) {
  Runtime::current().sendEntryCall(collection, index, pe, entry, std::move(message), reply);
}
void broadcastEntry(CollectionId collection, EntryId entry, MessageBuffer message) {
  Runtime::current().broadcastEntry(collection, entry, std::move(message));
}

CollectionId newCollectionId() { return Runtime::current().collections().newId(); }
int placeSingleton() { return Runtime::current().collections().placeSingleton(); }
void createCollection(CollectionId id, const CollectionSpec& spec, MessageBuffer message) {
  Runtime::current().collections().create(id, spec, std::move(message));
}
void insertElement(CollectionId collection, const ArrayIndex& index, int onPe, EntryId constructor,
                   MessageBuffer message) {
  Runtime::current().collections().insert(collection, index, onPe, constructor, std::move(message));
}
void doneInserting(CollectionId collection) { Runtime::current().collections().doneInserting(collection); }
void destroyCollection(CollectionId collection) { Runtime::current().collections().destroy(collection); }
const ArrayIndex& arrayDims(CollectionId collection) {
  return Runtime::current().collections().find(collection)->spec().dims;
}
void migrate(CollectionId collection, const ArrayIndex& index, int pe) {
  Runtime::current().locations().requestMigration(collection, index, pe);
}

FutureRef newFuture() { return Runtime::current().futures().create(); }
MessageBuffer takeFutureValue(std::uint64_t id) { return Runtime::current().futures().take(id); }
bool futureReady(std::uint64_t id) { return Runtime::current().futures().ready(id); }

SectionId newSectionId() { return Runtime::current().sections().newId(); }
const SectionSpec& addSection(SectionSpec spec) { return Runtime::current().addSection(std::move(spec)).spec(); }
void broadcastSection(SectionId section, const std::vector<SectionRouting::Entry>& entries, MessageBuffer message) {
  Runtime::current().broadcastSection(section, entries, std::move(message));
}

void spawnFiber(std::function<void()> body) { Runtime::current().scheduler().spawn(std::move(body)); }
EntryInfo* registerEntry(std::string name, EntryInvoker invoke, std::string chareTypeName, bool onFiber) {
  return Registry::instance().addEntry(std::move(name), invoke, std::move(chareTypeName), onFiber);
}
EntryInfo* registerConstructor(std::string name, ChareConstructor construct, std::string chareTypeName) {
  return Registry::instance().addConstructor(std::move(name), construct, std::move(chareTypeName));
}

}  // namespace charm::detail
