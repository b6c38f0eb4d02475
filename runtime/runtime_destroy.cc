// Runtime: destroying arrays (ckDestroy).
//
// destroyCollection on PE s sends one DestroyCollection message straight to every
// PE (Direct) and one to PE 0 (Request), which sends it down the broadcast tree
// (Tree), as it does broadcasts. A PE destroys the array once both have arrived:
// FIFO between two PEs puts the Direct one after every call s made earlier to
// elements on that PE, and the Tree one after every broadcast PE 0 numbered
// earlier (s's included: the request waits at PE 0 behind broadcast requests that
// wait there for the array's creation or a ckDoneInserting count). So what s sent
// to the array before ckDestroy is delivered first; calls forwarded to an element
// that moved may be overtaken (Charm++'s ckDestroy orders nothing at all). A PE
// the array's creation has not reached yet creates it when it comes (running the
// messages that waited for it), then destroys it.
//
// Destroying on a PE deletes its elements (a Python element's object is released)
// and forgets the array's location records, insertion state, pending migrations,
// sections over it and the load balancer's records. What cannot be finished is an
// error, never a silent loss: a reduction or allreduce over the array incomplete
// on this PE, an element with a suspended coroutine, a load-balancing step of the
// array, all abort the job naming the array. Messages for the array that arrive
// afterwards (or waited here for an element) are rejected: a call with a reply
// future raises there, anything else aborts naming the array. An element still
// migrating lands on a PE that destroyed the array and is deleted there, as asked.
#include <cstdio>
#include <stdexcept>
#include <string>

#include "charm/chare_base.h"
#include "runtime/chare_internals.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace charm {

namespace {
// DestroyCollection paths (Envelope::destroyPath).
enum class DestroyPath : std::uint16_t {
  Request = 0,  // destroying PE -> PE 0
  Tree = 1,     // PE 0 -> every PE, down the broadcast tree
  Direct = 2,   // destroying PE -> every PE
};

MessageBuffer destroyMessage(CollectionId collection, DestroyPath path) {
  MessageBuffer m = newMessage(MessageKind::DestroyCollection, 0);
  Envelope& env = envelopeOf(m);
  env.collection = collection;
  env.setDestroyPath(static_cast<std::uint16_t>(path));
  env.setTreeRoot(0);
  return m;
}

std::string arrayName(CollectionId collection) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "array %#llx", static_cast<unsigned long long>(collection));
  return buf;
}

const char* kindDescription(MessageKind kind) {
  switch (kind) {
    case MessageKind::EntryCall: return "a call";
    case MessageKind::BroadcastRequest:
    case MessageKind::Broadcast:
    case MessageKind::ElementBroadcast: return "a broadcast";
    case MessageKind::SectionBroadcast:
    case MessageKind::ElementSectionBroadcast: return "a section broadcast";
    case MessageKind::ReductionPartial:
    case MessageKind::RemoteContribution: return "a reduction contribution";
    case MessageKind::AllReducePartial:
    case MessageKind::RemoteAllReduce: return "an allreduce contribution";
    case MessageKind::InsertElement: return "an insertion (ckInsert)";
    case MessageKind::InsertionCount: return "an end of insertion (ckDoneInserting)";
    default: return "a message";
  }
}
}  // namespace

void Runtime::throwDestroyed(CollectionId collection, const char* what) const {
  throw std::logic_error(std::string("charm: ") + what + ": " + arrayName(collection) +
                         " was destroyed (ckDestroy); its proxies cannot be used any more");
}

void Runtime::destroyCollection(CollectionId collection) {
  if (const Collection* c = findCollection(collection); c && c->kind() != CollectionKind::Array)
    throw std::invalid_argument("charm: destroy(): collection " + std::to_string(collection) +
                                " is not an array; only arrays can be destroyed");
  checkNotDestroyed(collection, "destroy()");
  destroyed_[collection].requestedHere = true;
  for (int pe = 0; pe < numPes_; ++pe) send(pe, destroyMessage(collection, DestroyPath::Direct));
  send(0, destroyMessage(collection, DestroyPath::Request));
}

void Runtime::handleDestroy(MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  const CollectionId id = env.collection;
  switch (static_cast<DestroyPath>(env.destroyPath())) {
    case DestroyPath::Request: {
      // After the broadcast requests that arrived before it: those wait here for
      // the array's creation, or (sparse arrays) for a ckDoneInserting's count.
      Collection* c = findCollection(id);
      if (!c) {
        waitForCollection(id, std::move(message));
        return;
      }
      if (c->insertion && c->insertion->closing) {
        pending_.hold(PendingMessages::insertionCount(id), std::move(message));
        return;
      }
      env.setDestroyPath(static_cast<std::uint16_t>(DestroyPath::Tree));
      [[fallthrough]];
    }
    case DestroyPath::Tree:
      forwardDownTree(message, 0);
      break;
    case DestroyPath::Direct:
      break;
  }
  DestroyState& state = destroyed_[id];
  if (state.done || ++state.arrivals > 2)
    abort("ckDestroy: " + arrayName(id) + " was destroyed twice (ckDestroy called again, from another PE)");
  if (state.arrivals < 2) return;
  if (!findCollection(id)) {
    state.awaitingCreation = true;  // handleCreate destroys it once created here
    return;
  }
  destroyHere(id);
}

void Runtime::destroyHere(CollectionId id) {
  const std::string name = arrayName(id);
  Collection* c = findCollection(id);
  const std::string where = " on PE " + std::to_string(myPe_);
  if (c->kind() != CollectionKind::Array)
    abort("ckDestroy: collection " + std::to_string(id) + " is not an array; only arrays can be destroyed");
  for (auto& [index, element] : c->elements) {
    const std::string busy = ChareInternals::busyReason(*element);
    if (!busy.empty())
      abort("ckDestroy: " + name + " cannot be destroyed: its element " + index.toString() + where + " is busy (" +
            busy + "); destroy an array once its elements' coroutines have returned");
  }
  if (reductions_.hasPending(id))
    abort("ckDestroy: " + name + " was destroyed while a reduction over it (or an AtSync) was incomplete" + where +
          "; wait for the array's reductions before destroying it");
  if (allreduces_.hasPending(id))
    abort("ckDestroy: " + name + " was destroyed while an allreduce over it was incomplete" + where +
          "; wait for the array's allreduces before destroying it");
  for (SectionId section : sections_.removeCollection(id))
    if (reductions_.hasPending(section))
      abort("ckDestroy: " + name + " was destroyed while a reduction over a section of it was incomplete" + where);
  if (LoadBalancerHooks* balancer = meter_.balancer()) balancer->collectionDestroyed(id);

  destroyed_[id].done = true;  // from here on, messages for it are rejected
  // Messages that waited here for one of its elements (or for its broadcasts in order).
  std::vector<MessageBuffer> rejected = pending_.releaseIf([id](const PendingMessages::Key& key) {
    return (key.what == PendingMessages::Awaiting::Element || key.what == PendingMessages::Awaiting::BroadcastTurn) &&
           key.of.collection == id;
  });
  // Broadcast requests held for a ckDoneInserting count went with the array's
  // insertion state before they were kept here: dropped, as then.
  pending_.release(PendingMessages::insertionCount(id));
  insertedFromHere_.erase(id);
  meter_.forgetCollection(id);
  locations_.forgetCollection(id);
  allreduces_.collectionDestroyed(id);
  // The collection leaves the table before its elements are deleted: a Python
  // element's destructor may run code that looks it up.
  auto node = collections_.extract(id);
  node.mapped()->elements.clear();
  node = {};
  if (embedding_) embedding_->collectionDestroyed(id);
  for (MessageBuffer& m : rejected) rejectDestroyed(std::move(m));
}

void Runtime::waitForCollection(CollectionId collection, MessageBuffer&& message) {
  if (destroyedHere(collection)) {
    rejectDestroyed(std::move(message));
    return;
  }
  pending_.hold(PendingMessages::collection(collection), std::move(message));
}

void Runtime::rejectDestroyed(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  switch (env.kind) {
    case MessageKind::MigrateElement:  // one of its elements landing: deleted as it lands, as asked
    case MessageKind::LocationUpdate:  // where one of its elements is: nothing left to update
      return;
    case MessageKind::EntryCall:
      if (env.reply.valid() && embedding_ &&
          embedding_->raiseUndeliverable(env, "was destroyed (ckDestroy) before the call reached it"))
        return;
      break;
    default:
      break;
  }
  const CollectionId id = env.collection;
  std::string what = kindDescription(env.kind);
  if (env.kind == MessageKind::EntryCall || env.kind == MessageKind::ElementBroadcast) {
    const Registry& registry = Registry::instance();
    what += " to entry method " +
            (env.entry < registry.numEntries() ? registry.entry(env.entry).name : "#" + std::to_string(env.entry)) +
            " of element " + env.index.toString();
  }
  if (env.kind == MessageKind::SectionBroadcast)  // addressed to the section: name it
    abort(what + " to section " + std::to_string(id & ~kSectionIdBit) + " reached PE " + std::to_string(myPe_) +
          " after an array of its members was destroyed (ckDestroy)");
  abort(what + " reached " + arrayName(id) + " on PE " + std::to_string(myPe_) +
        " after the array was destroyed (ckDestroy)" +
        (env.kind == MessageKind::EntryCall ? "; the call has no future to raise the error at" : ""));
}

}  // namespace charm
