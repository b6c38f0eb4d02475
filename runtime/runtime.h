// Runtime: everything one PE owns, and its message-driven scheduler. One Runtime
// per PE (per process with MPI; several per process with the in-process
// transport, one per thread). The scheduler loop takes messages from the
// transport and from the local queue and runs them through one dispatch (kind ->
// handler): entry-method calls, broadcasts, collection creation, reduction
// partials, future values, quiescence waves and exit. Local sends go straight to
// the local queue, never to MPI.
//
// Runtime keeps the scheduler loop, message routing (send, sendEntryCall,
// broadcastEntry, broadcastSection, fire) and the dispatch; the other concerns
// are parts it owns, each in its own files and reached through an accessor:
// collections() (CollectionManager: creation, lookup, insertion, ckDestroy; its
// calls are carried out by the Runtime's dispatch in runtime_collections.cc,
// runtime_insertion.cc and runtime_destroy.cc), scheduler() (FiberScheduler:
// fibers and timers), locations() (LocationManager: where elements are,
// forwarding, migration, contributions of elements away from their counting PE),
// pending() (PendingMessages: what waits for something not here yet),
// loadMeter() (LoadMeter: loads for the balancer), reductions(), allreduces(),
// sections(), futures(), quiescence(), output(); and the embedding's
// EmbeddingHooks. Its own member functions are split over runtime_*.cc by topic.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <unordered_set>
#include <vector>

#include "comm/idle_backoff.h"
#include "comm/transport.h"
#include "runtime/allreduce_manager.h"
#include "charm/callback.h"
#include "runtime/collection.h"
#include "runtime/collection_manager.h"
#include "runtime/deadlock_detector.h"
#include "runtime/embedding_hooks.h"
#include "runtime/fiber.h"
#include "runtime/fiber_scheduler.h"
#include "runtime/element_key.h"
#include "runtime/envelope_flags.h"
#include "runtime/future_table.h"
#include "runtime/load_balancer_hooks.h"
#include "charm/detail/message.h"
#include "runtime/load_meter.h"
#include "runtime/location_manager.h"
#include "runtime/message_queue.h"
#include "runtime/output_forwarder.h"
#include "runtime/pending_messages.h"
#include "runtime/quiescence.h"
#include "runtime/reduction_manager.h"
#include "runtime/runtime_flags.h"
#include "runtime/section_table.h"
#include "runtime/spanning_tree.h"

namespace charm {

class ChareBase;
class Runtime;

// Runs the registered start-up hooks (load_balancer_hooks.h) on `runtime`.
void runStartupHooks(Runtime& runtime);
// Calls resumeFromSync() on element `e` of this PE (through a message, never inline).
void resumeFromSync(Runtime& runtime, ChareBase& e);
// Element `e` called AtSync(): the load balancer takes it from here (without
// one, resumeFromSync() follows at once).
void atSync(Runtime& runtime, ChareBase& e);
// Broadcasts resumeFromSync() to every element of `collection`.
void broadcastResumeFromSync(Runtime& runtime, CollectionId collection);

class Runtime {
 public:
  // `fiberStackBytes`: usable stack of every fiber (code that may wait runs on one).
  explicit Runtime(comm::Transport& transport, std::size_t fiberStackBytes = std::size_t{1} << 20);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The Runtime of the calling thread. Throws std::logic_error outside charm::run.
  static Runtime& current();
  static Runtime* currentOrNull() noexcept;

  int myPe() const noexcept { return myPe_; }
  int numPes() const noexcept { return numPes_; }
  comm::Transport& transport() noexcept { return transport_; }

  // Runs the scheduler until the program exits; `mainOnPeZero` (may be empty)
  // runs on a fiber on PE 0. Returns the exit code given to exit().
  int run(std::function<void()> mainOnPeZero);

  // --- sending -----------------------------------------------------------
  // Hands a fully built message to PE `pe`: the local queue if it is this PE.
  void send(int pe, MessageBuffer message);
  // The same for a message whose last `tail.size` bytes stay in the caller's
  // memory: the destination receives `message` followed by the tail's bytes as
  // one message, as if they had been copied in. The caller has set the envelope's
  // payloadSize to count the tail too (payload = message's own payload bytes,
  // then the tail), and padded `message` to a multiple of 16 bytes so the tail
  // lands aligned; std::invalid_argument otherwise. Remote: the transport sends
  // from the tail's memory and releases tail.keepAlive once that send completed
  // (see comm::ExternalPayload). Same PE: the tail is copied into the message
  // and keepAlive released before this returns, as a local message must not
  // outlive the caller's hold on the memory.
  void send(int pe, MessageBuffer message, comm::ExternalPayload tail);
  // `flags` are free for the caller (bit 0 is the runtime's own; see envelope.h).
  // `countedBytes`: the size the load balancer counts for this message when not
  // its own (a same-PE call carrying its arguments by reference counts the bytes
  // it would have had encoded); 0: message.size().
  void sendEntryCall(CollectionId collection, const ArrayIndex& index, int pe, EntryId entry,
                     MessageBuffer message, FutureRef reply = {}, std::uint8_t flags = 0,
                     std::size_t countedBytes = 0);
  // The same, with the payload's last bytes sent from the caller's memory (see
  // send(int, MessageBuffer, comm::ExternalPayload)).
  void sendEntryCall(CollectionId collection, const ArrayIndex& index, int pe, EntryId entry,
                     MessageBuffer message, comm::ExternalPayload tail, FutureRef reply,
                     std::uint8_t flags);
  void broadcastEntry(CollectionId collection, EntryId entry, MessageBuffer message,
                      FutureRef reply = {}, std::uint8_t flags = 0);
  // Calls, on every member of section `section` (known on this PE), the entry
  // `entries` names for the member's collection, with the payload of `message`
  // (built like an entry call's). Goes through the section's root, which numbers
  // section broadcasts so members see them in one order; each member PE gets one
  // message. Replies to `reply` are gathered over the section, in member order.
  void broadcastSection(SectionId section, const std::vector<SectionRouting::Entry>& entries,
                        MessageBuffer message, FutureRef reply = {}, std::uint8_t flags = 0);
  // Sends `bytes` (the packed result) wherever `callback` says.
  void fire(const Callback& callback, const std::byte* bytes, std::size_t size);

  // --- the parts, each owned here ------------------------------------------
  // The collections: creation, lookup, insertion, ckDestroy (see CollectionManager).
  CollectionManager& collections() noexcept { return collectionManager_; }
  // Fibers and timers (see FiberScheduler).
  FiberScheduler& scheduler() noexcept { return scheduler_; }

  // Where elements are, how messages follow them, migration (see LocationManager).
  LocationManager& locations() noexcept { return locations_; }

  // --- load balancing (runtime_load.cc) ------------------------------------------
  // The runtime flags (+balancer, +LBPeriod, ...) given to this program.
  const RuntimeFlags& flags() const { return flags_; }
  void setFlags(const RuntimeFlags& flags) { flags_ = flags; }
  // Measured loads and communication, and the balancer they go to (see LoadMeter).
  LoadMeter& loadMeter() noexcept { return meter_; }

  // --- sections -------------------------------------------------------------
  SectionTable& sections() noexcept { return sections_; }
  // Records a section described elsewhere (or here) and lets waiting reduction
  // partials run; see SectionTable::add.
  const SectionInfo& addSection(SectionSpec spec);

  // --- suspending code ----------------------------------------------------
  FutureTable& futures() noexcept { return futures_; }
  // Messages waiting for something this PE does not have yet (see PendingMessages).
  PendingMessages& pending() noexcept { return pending_; }
  ReductionManager& reductions() noexcept { return reductions_; }
  AllReduceManager& allreduces() noexcept { return allreduces_; }
  QuiescenceDetector& quiescence() noexcept { return quiescence_; }

  // --- the embedding ----------------------------------------------------------
  // What the layer embedding the runtime (embed/, Python) provides; see
  // EmbeddingHooks. Installed once, before run(); null for C++ programs.
  void setEmbeddingHooks(EmbeddingHooks* hooks) noexcept { embedding_ = hooks; }
  EmbeddingHooks* embeddingHooks() const noexcept { return embedding_; }

  // --- ending ---------------------------------------------------------------
  // Ends the program on every PE with `code` (callable from any PE, any time).
  // Each PE stops once back in its scheduler; a PE that does not get there within
  // kExitGrace of another reaching its exit (busy in a long computation) is ended
  // by force with the same code (comm::Transport::endJob).
  void exit(int code);
  static constexpr std::chrono::milliseconds kExitGrace{1500};
  // Prints `message` naming this PE and ends the job with a non-zero code. A PE
  // other than 0 hands its output and the message to PE 0, which ends the job once
  // it has written them (so they reach mpirun whole and after the PE's earlier
  // lines); if PE 0 does not within kExitGrace (busy), this PE writes them itself.
  [[noreturn]] void abort(const std::string& message);

  // --- output ---------------------------------------------------------------
  // This PE's stdout and stderr, reaching mpirun as whole lines, never torn by
  // another PE's output: output().write(stream, bytes) and output().flush(stream)
  // (see OutputForwarder). The embedded Python's sys.stdout and sys.stderr write
  // through this; C++ programs may too.
  OutputForwarder& output() noexcept { return output_; }

  // Spanning tree of all PEs rooted at `root` (branching factor 4).
  SpanningTree tree(int root) const { return SpanningTree(numPes_, root, kTreeBranching); }
  static constexpr int kTreeBranching = 4;

 private:
  friend class CollectionManager;
  // What collections() reaches (see CollectionManager for what each does).
  CollectionId newCollectionId();
  int placeSingleton();
  void createCollection(CollectionId id, const CollectionSpec& spec, MessageBuffer message);
  Collection* findCollection(CollectionId id);
  template <class F>
  void forEachCollection(F&& f) {
    for (auto& [id, c] : collections_) f(*c);
  }
  void insertElement(CollectionId collection, const ArrayIndex& index, int onPe, EntryId constructor,
                     MessageBuffer message, CollectionId arrayMap);
  void doneInserting(CollectionId collection);
  void destroyCollection(CollectionId collection);

  void schedulerLoop();
  // A message taken from the network or the local queue: counted, then dispatched.
  void handle(MessageBuffer message);
  // Runs the handler of the message's kind (the one table of kinds to handlers).
  void dispatch(MessageBuffer& message);
  // Section `id` became known here: what waited for it runs.
  void sectionKnown(SectionId id);
  // Aborts unless a message from another PE has a sound envelope (see EmbeddingHooks::incomingProblem).
  void checkIncoming(const comm::ReceivedMessage& incoming);
  void handleBroadcastRequest(MessageBuffer message);
  void handleBroadcast(MessageBuffer message);
  void handleCreate(MessageBuffer message);
  void handleElementMessage(MessageBuffer& message);
  void forwardToElement(Collection& collection, MessageBuffer message);
  void deliverBroadcastInOrder(ChareBase* element, const ElementKey& key, const Envelope& env,
                               MessageBuffer* adoptable);
  void deliverBroadcastToCollection(Collection& collection, MessageBuffer& message);
  void handleMigrate(MessageBuffer message);
  void handleLocationUpdate(const MessageBuffer& message);
  void handleRemoteContribution(MessageBuffer& message);
  void handleRemoteAllReduce(MessageBuffer& message);
  void elementArrived(Collection& collection, const ArrayIndex& index);
  // True when `index` can never have an element in `collection`: a sparse array
  // whose insertion ended (asked at the index's home, which registered every insertion).
  bool neverInserted(const Collection& collection, const ArrayIndex& index) const;
  // A message for an element that will never exist: raised at its reply future
  // (an entry call with one), else the job aborts naming it. Never dropped.
  void rejectUndeliverable(MessageBuffer message, const std::string& reason);
  // Home PE, once a sparse array's insertion ended: rejects the messages that
  // waited here for indices that were never inserted.
  void rejectNeverInserted(Collection& collection);
  void forwardSectionCopy(Collection& collection, const SectionRouting::LocalMember& member,
                          const SectionRouting& routing, const Envelope& env, const std::byte* payload,
                          std::size_t payloadSize);
  void handleSectionBroadcastRequest(MessageBuffer message);
  void handleSectionBroadcast(MessageBuffer message);
  void deliverToElement(ChareBase* element, const Envelope& env, MessageBuffer* adoptable);
  // Runs entry ctx.entry on `element`, measuring it for the load balancer.
  void invokeEntry(ChareBase* element, InvokeContext& ctx);
  void forwardDownTree(const MessageBuffer& message, int root);
  bool bufferIfUnknown(MessageBuffer& message);
  void handleInsert(MessageBuffer message);
  void constructInserted(Collection& collection, MessageBuffer& message, int home, std::uint32_t firstBroadcast);
  void handleInsertionCount(MessageBuffer& message);
  void startInsertionCount(CollectionId collection);
  void reportInsertionCount(Collection& collection);
  void applyInsertionCount(Collection& collection, const std::vector<std::uint64_t>& counts);
  // Output forwarding (see OutputForwarder): a batch of lines to PE 0, and on PE 0
  // writing a batch another PE sent and acknowledging it.
  void sendOutput(OutputStream stream, std::string_view lines);
  void writeForwardedOutput(const MessageBuffer& message);
  // Exiting: sends this PE's last output (and tells PE 0 it is done), then waits
  // until PE 0 has written it (PE 0: until every other PE is done), handling only
  // output messages, at most until `deadline` (a PE other than 0: a margin before
  // it, see kWriteOutputMargin). False if it gave up: the caller writes the output
  // PE 0 did not and ends the job.
  bool finishOutput(std::chrono::steady_clock::time_point deadline);
  void handleDestroy(MessageBuffer message);
  void destroyHere(CollectionId collection);
  // A message for a collection destroyed on this PE: raised at its reply future
  // or the job aborts naming the array; never dropped silently.
  void rejectDestroyed(MessageBuffer message);
  // Keeps `message` until `collection` is created here (or rejects it when the
  // collection was destroyed here). Taken by rvalue reference so that callers may
  // name the collection from the message itself in the same call.
  void waitForCollection(CollectionId collection, MessageBuffer&& message);
  // Throws std::logic_error naming `what` when `collection` is (being) destroyed.
  // One branch on the call path of programs that never destroy an array.
  void checkNotDestroyed(CollectionId collection, const char* what) const {
    if (!destroyed_.empty() && destroyed_.count(collection)) throwDestroyed(collection, what);
  }
  [[noreturn]] void throwDestroyed(CollectionId collection, const char* what) const;
  // Whether `collection` was destroyed on this PE (messages for it are rejected).
  bool destroyedHere(CollectionId collection) const {
    if (destroyed_.empty()) return false;
    auto it = destroyed_.find(collection);
    return it != destroyed_.end() && it->second.done;
  }

  comm::Transport& transport_;
  const int myPe_;
  const int numPes_;
  MessageQueue localQueue_;
  comm::IdleBackoff backoff_;
  FiberScheduler scheduler_;
  FutureTable futures_;
  ReductionManager reductions_;
  AllReduceManager allreduces_;
  QuiescenceDetector quiescence_;
  DeadlockDetector deadlock_;  // ends a job whose coroutines wait with nothing to wake them
  SectionTable sections_;
  PendingMessages pending_;  // what waits for something this PE does not have yet

  std::unordered_map<CollectionId, std::unique_ptr<Collection>> collections_;
  std::uint32_t nextCollectionCounter_ = 0;
  int nextSingletonPe_;
  ConstructionContext construction_;

  RuntimeFlags flags_;
  LoadMeter meter_;
  LocationManager locations_;
  CollectionManager collectionManager_;
  // Sparse arrays: the indices this PE asked to insert (duplicates fail at the call).
  std::unordered_map<CollectionId, std::unordered_set<ArrayIndex, ArrayIndexHash>> insertedFromHere_;
  // Arrays destroyed or being destroyed (ckDestroy), as this PE knows them. A
  // destroy takes effect on a PE once two messages have arrived there: one
  // straight from the destroying PE (after that PE's earlier calls to elements
  // here) and one down the broadcast tree from PE 0 (after its earlier broadcasts).
  struct DestroyState {
    bool requestedHere = false;  // ckDestroy was called on this PE
    int arrivals = 0;
    bool awaitingCreation = false;  // both arrived before the array's creation did
    bool done = false;              // destroyed here: later messages are rejected
  };
  std::unordered_map<CollectionId, DestroyState> destroyed_;

  EmbeddingHooks* embedding_ = nullptr;
  bool exiting_ = false;
  int exitCode_ = 0;
  OutputForwarder output_;
  int outputDonePes_ = 0;  // PE 0: how many other PEs sent their last output
  bool aborting_ = false;
};

// --- CollectionManager: forwards to the Runtime's dispatch, inline ---------------

inline CollectionId CollectionManager::newId() { return runtime_.newCollectionId(); }
inline int CollectionManager::placeSingleton() { return runtime_.placeSingleton(); }
inline void CollectionManager::create(CollectionId id, const CollectionSpec& spec, MessageBuffer message) {
  runtime_.createCollection(id, spec, std::move(message));
}
inline Collection* CollectionManager::find(CollectionId id) { return runtime_.findCollection(id); }
template <class F>
void CollectionManager::forEach(F&& f) {
  runtime_.forEachCollection(std::forward<F>(f));
}
inline const ConstructionContext& CollectionManager::constructionContext() const { return runtime_.construction_; }
inline void CollectionManager::constructionStarted(ChareBase& element) { runtime_.construction_.element = &element; }
inline void CollectionManager::insert(CollectionId collection, const ArrayIndex& index, int onPe, EntryId constructor,
                                      MessageBuffer message, CollectionId arrayMap) {
  runtime_.insertElement(collection, index, onPe, constructor, std::move(message), arrayMap);
}
inline void CollectionManager::doneInserting(CollectionId collection) { runtime_.doneInserting(collection); }
inline void CollectionManager::destroy(CollectionId collection) { runtime_.destroyCollection(collection); }

}  // namespace charm
