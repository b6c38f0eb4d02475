// The calls the public templates (proxies, futures, sections, entry
// registration, chare bases) make into the runtime of the calling PE. Plain
// non-template functions, defined in runtime/public_api.cc, each forwarding to
// the PE's Runtime: the public headers never include the Runtime's own header,
// and a user program sees only these. Each replaces what was a call into Runtime
// already; arguments move through, nothing is copied or allocated on the way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "charm/detail/collection_spec.h"
#include "charm/detail/entry_info.h"
#include "charm/detail/envelope.h"
#include "charm/detail/message.h"
#include "charm/index.h"
#include "charm/section.h"

namespace charm {

// This PE's number and the number of PEs (also declared by charm.h).
int myPe();
int numPes();

namespace detail {

// --- messages to elements and collections -----------------------------------
void sendEntryCall(CollectionId collection, const ArrayIndex& index, int pe, EntryId entry,
                   MessageBuffer message, FutureRef reply = {});
void broadcastEntry(CollectionId collection, EntryId entry, MessageBuffer message);
void sendFutureValue(FutureRef reply, MessageBuffer value);

// --- creating, filling and destroying collections ----------------------------
CollectionId newCollectionId();
// The PE for a singleton chare placed by the runtime (round robin).
int placeSingleton();
// `message` is a CreateCollection message: the packed spec, then constructor arguments.
void createCollection(CollectionId id, const CollectionSpec& spec, MessageBuffer message);
void insertElement(CollectionId collection, const ArrayIndex& index, int onPe, EntryId constructor,
                   MessageBuffer message);
void doneInserting(CollectionId collection);
void destroyCollection(CollectionId collection);
// The extents of array `collection`, known on this PE.
const ArrayIndex& arrayDims(CollectionId collection);
// Moves an element living on this PE to PE `pe` (see ArrayElement::migrateMe).
void migrate(CollectionId collection, const ArrayIndex& index, int pe);

// --- futures owned by this PE --------------------------------------------------
FutureRef newFuture();
// Waits (from a fiber) for the value of future `id` and takes it.
MessageBuffer takeFutureValue(std::uint64_t id);
bool futureReady(std::uint64_t id);

// --- sections ------------------------------------------------------------------
SectionId newSectionId();
// Records `spec` on this PE; the returned spec lives as long as the section here.
const SectionSpec& addSection(SectionSpec spec);
void broadcastSection(SectionId section, const std::vector<SectionRouting::Entry>& entries, MessageBuffer message);

// --- entry methods ---------------------------------------------------------------
// Runs `body` on a new fiber (entry methods that may wait).
void spawnFiber(std::function<void()> body);
// Static-initialisation registration (see charm/entry.h): the returned record's
// id is valid once the first runtime has started.
EntryInfo* registerEntry(std::string name, EntryInvoker invoke, std::string chareTypeName, bool onFiber);
EntryInfo* registerConstructor(std::string name, ChareConstructor construct, std::string chareTypeName);

}  // namespace detail
}  // namespace charm
