// Runtime: sparse arrays, created empty and filled by insertion.
//
// Every element has a home PE: a hash of its index (sparseHomePe), or where the
// array's map (an ArrayMap group) puts it. An insertion goes to the home first
// (through the inserting PE itself when that PE cannot place it yet: an array with
// a map it does not know), which registers the index (refusing duplicates), then
// either constructs the element itself or passes it on to the PE asked for, with
// a location record pointing there, like an element that migrated away. So the
// home knows every element it counts before any message for it can be forwarded,
// and messages sent to an element before it exists wait at its home and follow
// the insertion (FIFO between two PEs).
//
// Broadcasts: an element starts with the next broadcast its home will deliver
// (the home hands every broadcast to the elements it is home to); it never waits
// for older ones. An element placed elsewhere learns that number from the
// insertion message, sent before any broadcast copy the home forwards to it.
//
// ckDoneInserting: PE 0 waits for quiescence (so every insertion made before it
// has landed at its home), then gathers each PE's homed count up the tree and
// publishes the per-PE counts down it; each PE then knows its elementsOnPe and
// the total, and the reductions and allreduces that waited for them go on.
// Broadcast requests that reach PE 0 meanwhile wait, so a broadcast made after
// ckDoneInserting (from the same PE) reaches every element.
//
// Once insertion has ended, an index that its home never registered will never
// have an element: a message for it (sent then, or waiting at the home since
// before) is raised at its reply future, or aborts the job; it is never dropped.
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "charm/chare_base.h"
#include "runtime/chare_internals.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace charm {

namespace {
// InsertionCount phases (Envelope::insertionPhase).
// (InsertElement's flag kPlacedByHome is in envelope_flags.h.)
enum class CountPhase : std::uint16_t {
  Request = 0,  // any PE -> PE 0: ckDoneInserting
  Collect = 1,  // down the tree: report your homed counts
  Report = 2,   // up the tree: the per-PE counts of a subtree
  Publish = 3,  // down the tree: every PE's count
};

MessageBuffer countMessage(CollectionId collection, CountPhase phase, const std::vector<std::uint64_t>* counts) {
  const std::size_t size = counts ? packedSize(*counts) : 0;
  MessageBuffer m = newMessage(MessageKind::InsertionCount, size);
  if (counts) packInto(payloadOf(m), size, *counts);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.setInsertionPhase(static_cast<std::uint16_t>(phase));
  env.setTreeRoot(0);
  return m;
}
}  // namespace

// --- insertion ------------------------------------------------------------------

void Runtime::insertElement(CollectionId collection, const ArrayIndex& index, int onPe, EntryId constructor,
                            MessageBuffer message, CollectionId arrayMap) {
  checkNotDestroyed(collection, "insert()");
  if (onPe < -1 || onPe >= numPes_)
    throw std::out_of_range("charm: insert element " + index.toString() + " on PE " + std::to_string(onPe) +
                            ", which does not exist (0.." + std::to_string(numPes_ - 1) + ", or -1 for its home)");
  if (index.ndims < 1 || index.ndims > kMaxIndexDims)
    throw std::invalid_argument("charm: an array index has 1 to 6 dimensions, got " + std::to_string(index.ndims));
  if (const Collection* c = findCollection(collection)) {
    if (c->kind() != CollectionKind::Array || !c->spec().sparse)
      throw std::invalid_argument("charm: insert(): collection " + std::to_string(collection) +
                                  " is not a sparse array (create it with ndims and no dims)");
    if (index.ndims != c->spec().dims.ndims)
      throw std::invalid_argument("charm: insert(): index " + index.toString() + " has " +
                                  std::to_string(index.ndims) + " dimension(s) but the sparse array has " +
                                  std::to_string(c->spec().dims.ndims));
  }
  auto& inserted = insertedFromHere_[collection];
  if (inserted.count(index))
    throw std::invalid_argument("charm: element " + index.toString() +
                                " was inserted into this sparse array already");
  if (const Collection* c = findCollection(collection); c && c->insertion->done)
    throw std::logic_error("charm: insert(" + index.toString() +
                           "): insertion into this sparse array has ended (doneInserting)");
  inserted.insert(index);
  Envelope& env = envelopeOf(message);
  env.kind = MessageKind::InsertElement;
  env.flags = 0;
  env.collection = collection;
  env.index = index;
  env.entry = constructor;
  env.setInsertOnPe(onPe);
  env.setFirstBroadcast(0);
  // The home: known from the array when it exists here; from the index alone
  // without a map; else this PE keeps the insertion until the array (created
  // after its map) exists here, then passes it on to the home (handleInsert).
  const Collection* c = findCollection(collection);
  const int home = c ? c->peOf(index) : arrayMap == 0 ? sparseHomePe(index, numPes_) : myPe_;
  send(home, std::move(message));
}

void Runtime::handleInsert(MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  Collection* c = findCollection(env.collection);
  if (!c) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  if (!c->insertion) throw std::logic_error("charm: an insertion into a collection that is not a sparse array");
  const ArrayIndex index = env.index;
  const int home = c->peOf(index);
  if (hasFlag(env, kPlacedByHome)) {
    constructInserted(*c, message, home, env.firstBroadcast());
    return;
  }
  if (home != myPe_) {  // sent here by a PE that could not place it (see insertElement)
    send(home, std::move(message));
    return;
  }
  InsertionState& ins = *c->insertion;
  if (ins.done)
    throw std::logic_error("element " + index.toString() +
                           " was inserted into a sparse array after ckDoneInserting completed");
  if (!ins.homed.insert(index).second)
    throw std::logic_error("element " + index.toString() + " was inserted twice into a sparse array");
  c->homeIndices.push_back(index);  // sorted when insertion ends
  const std::uint32_t firstBroadcast = c->nextHomeBroadcast;
  const int target = env.insertOnPe() < 0 ? myPe_ : env.insertOnPe();
  if (target == myPe_) {
    constructInserted(*c, message, home, firstBroadcast);
    return;
  }
  // Lives elsewhere: a record here (as for an element that migrated away), then
  // the insertion, then what waited here for it, in that order.
  locations_.placedOn(env.collection, index, target);
  env.flags = kPlacedByHome;
  env.setFirstBroadcast(firstBroadcast);
  send(target, std::move(message));
  for (MessageBuffer& m : pending_.release(PendingMessages::element(ElementKey{c->id(), index}))) dispatch(m);
}

void Runtime::constructInserted(Collection& c, MessageBuffer& message, int home, std::uint32_t firstBroadcast) {
  const Envelope& env = envelopeOf(message);
  const ArrayIndex index = env.index;
  if (c.elements.count(index))
    throw std::logic_error("element " + index.toString() + " of a sparse array exists already on PE " +
                           std::to_string(myPe_));
  construction_ = ConstructionContext{c.id(), index, home};
  InvokeContext ctx = InvokeContext::forConstructor(env.entry, payloadOf(message), payloadSizeOf(message));
  std::unique_ptr<ChareBase> element = Registry::instance().entry(env.entry).construct(ctx);
  construction_ = ConstructionContext{};
  ChareInternals::setNextBroadcast(*element, firstBroadcast);
  c.elements.emplace(index, std::move(element));
  locations_.insertedHere(c.id(), index, home);
  elementArrived(c, index);  // messages that waited here for it
}

// --- ending insertion ----------------------------------------------------------------

void Runtime::doneInserting(CollectionId collection) {
  checkNotDestroyed(collection, "doneInserting()");
  if (const Collection* c = findCollection(collection); c && !c->insertion)
    throw std::invalid_argument("charm: doneInserting(): collection " + std::to_string(collection) +
                                " is not a sparse array");
  send(0, countMessage(collection, CountPhase::Request, nullptr));
}

void Runtime::startInsertionCount(CollectionId id) {
  Collection& c = *findCollection(id);
  c.insertion->counting = true;
  send(0, countMessage(id, CountPhase::Collect, nullptr));
}

void Runtime::handleInsertionCount(MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  Collection* c = findCollection(env.collection);
  if (!c) {
    waitForCollection(env.collection, std::move(message));
    return;
  }
  if (!c->insertion) throw std::logic_error("charm: doneInserting() on a collection that is not a sparse array");
  InsertionState& ins = *c->insertion;
  const CollectionId id = c->id();
  switch (static_cast<CountPhase>(env.insertionPhase())) {
    case CountPhase::Request:  // PE 0
      if (ins.counting) {
        ins.countAgain = true;
      } else if (!ins.closing) {  // else the round under way covers this request too
        ins.closing = true;
        quiescence_.whenQuiescent([this, id] { startInsertionCount(id); });
      }
      return;
    case CountPhase::Collect: {
      forwardDownTree(message, 0);
      ins.counts.assign(static_cast<std::size_t>(numPes_), 0);
      ins.counts[static_cast<std::size_t>(myPe_)] = c->homeIndices.size();
      ins.reportsMissing = tree(0).numChildren(myPe_);
      if (ins.reportsMissing == 0) reportInsertionCount(*c);
      return;
    }
    case CountPhase::Report: {
      const auto counts = unpackAs<std::vector<std::uint64_t>>(payloadOf(message), payloadSizeOf(message));
      if (counts.size() != ins.counts.size()) throw std::runtime_error("charm: a corrupt insertion count");
      for (std::size_t pe = 0; pe < counts.size(); ++pe) ins.counts[pe] += counts[pe];
      if (--ins.reportsMissing == 0) reportInsertionCount(*c);
      return;
    }
    case CountPhase::Publish: {
      forwardDownTree(message, 0);
      applyInsertionCount(*c, unpackAs<std::vector<std::uint64_t>>(payloadOf(message), payloadSizeOf(message)));
      return;
    }
  }
  throw std::runtime_error("charm: an insertion count message of unknown phase");
}

void Runtime::reportInsertionCount(Collection& c) {
  InsertionState& ins = *c.insertion;
  const CountPhase phase = myPe_ == 0 ? CountPhase::Publish : CountPhase::Report;
  MessageBuffer m = countMessage(c.id(), phase, &ins.counts);
  ins.counts.clear();
  send(myPe_ == 0 ? 0 : tree(0).parent(myPe_), std::move(m));
}

void Runtime::applyInsertionCount(Collection& c, const std::vector<std::uint64_t>& counts) {
  InsertionState& ins = *c.insertion;
  std::sort(c.homeIndices.begin(), c.homeIndices.end());
  c.setElementCounts(counts);
  ins.done = true;
  reductions_.collectionSized(c);
  allreduces_.collectionSized(c);
  rejectNeverInserted(c);
  if (myPe_ != 0) return;
  ins.counting = false;
  ins.closing = false;
  if (ins.countAgain) {  // a ckDoneInserting that came during the count: count once more
    ins.countAgain = false;
    ins.closing = true;
    const CollectionId id = c.id();
    quiescence_.whenQuiescent([this, id] { startInsertionCount(id); });
    return;
  }
  // Broadcast requests (and a ckDestroy held like the broadcasts before it).
  for (MessageBuffer& m : pending_.release(PendingMessages::insertionCount(c.id()))) dispatch(m);
}

// --- messages for indices never inserted ---------------------------------------------

bool Runtime::neverInserted(const Collection& c, const ArrayIndex& index) const {
  return c.insertion && c.insertion->done && !c.insertion->homed.count(index) && c.peOf(index) == myPe_;
}

void Runtime::rejectNeverInserted(Collection& c) {
  std::vector<MessageBuffer> dead = pending_.releaseIf([&](const PendingMessages::Key& key) {
    return key.what == PendingMessages::Awaiting::Element && key.of.collection == c.id() &&
           neverInserted(c, key.of.index);
  });
  for (MessageBuffer& m : dead) rejectUndeliverable(std::move(m), "was never inserted (ckDoneInserting has completed)");
}

void Runtime::rejectUndeliverable(MessageBuffer message, const std::string& reason) {
  const Envelope& env = envelopeOf(message);
  // Only a single element's call answers its future directly; a broadcast's reply
  // is a gather over the elements, which a missing one would leave incomplete.
  if (env.kind == MessageKind::EntryCall && env.reply.valid() && embedding_ &&
      embedding_->raiseUndeliverable(env, reason))
    return;
  const Registry& registry = Registry::instance();
  const std::string entry = env.entry < registry.numEntries() ? registry.entry(env.entry).name
                                                              : "#" + std::to_string(env.entry);
  abort("a message for entry method " + entry + " of element " + env.index.toString() +
        " of sparse array collection " + std::to_string(env.collection) + " cannot be delivered: the element " + reason +
        (env.reply.valid() ? "" : "; the call has no future to raise the error at"));
}

}  // namespace charm
