// Runtime: the scheduler loop, sending, and receiving: every message taken from
// the network or the local queue goes through handle() and the one dispatch()
// (kind -> handler), as do the messages PendingMessages releases. The other parts
// of Runtime live in runtime_*.cc (collections, sections, insertion, migration,
// destroying, load, exit) and in the classes it owns (see runtime.h).
#include "runtime/runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "charm/chare.h"
#include "runtime/registry.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {
// Read on every call a program makes (Runtime::current()). Initial-exec: one
// %fs-relative load instead of a __tls_get_addr call (libcharmrt is a shared
// library); see comm/message_buffer.cc for why that is safe.
[[gnu::tls_model("initial-exec")]] thread_local Runtime* tlsCurrent = nullptr;

// How many incoming messages one scheduler pass takes before looking at the
// local queue, so neither source starves the other.
constexpr int kNetworkBatch = 16;
constexpr int kLocalBatch = 16;
// A batch also ends once its messages after the first have run this long, so that
// long entry methods on one side (e.g. tasks a PE sends itself) cannot keep the
// other side waiting for up to a whole batch of them. Its clock starts when the
// second message does: a batch of one message (a ping-pong's every pass) reads
// no clock at all, where each read costs 20-60 ns on a VM (a sixth of a one-way
// hop of 8 bytes). So a batch ends within its first message plus this budget.
constexpr auto kBatchBudget = std::chrono::microseconds(1000);
}  // namespace

Runtime::Runtime(comm::Transport& transport, std::size_t fiberStackBytes)
    : transport_(transport),
      myPe_(transport.rank()),
      numPes_(transport.size()),
      scheduler_(fiberStackBytes),
      futures_(myPe_, scheduler_.pool()),
      reductions_(*this),
      allreduces_(*this),
      quiescence_(*this),
      deadlock_(*this),
      sections_(myPe_, numPes_, kTreeBranching),
      nextSingletonPe_((myPe_ + 1) % numPes_),
      locations_(*this),
      collectionManager_(*this) {
  if (tlsCurrent) throw std::logic_error("charm: a thread may run only one Runtime at a time");
  Registry::instance().freeze();
  tlsCurrent = this;
}

Runtime::~Runtime() {
  // Elements may use the runtime in their destructors: destroy them first.
  collections_.clear();
  tlsCurrent = nullptr;
}

Runtime& Runtime::current() {
  if (!tlsCurrent)
    throw std::logic_error("charm: no runtime on this thread; call this from inside charm::run");
  return *tlsCurrent;
}

Runtime* Runtime::currentOrNull() noexcept { return tlsCurrent; }

int Runtime::run(std::function<void()> mainOnPeZero) {
  if (auto it = flags_.values().find("deadlockTimeout"); it != flags_.values().end()) {
    char* end = nullptr;
    const double seconds = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !(seconds >= 0))
      abort("+deadlockTimeout takes seconds (0 turns deadlock detection off), got '" + it->second + "'");
    deadlock_.setTimeout(seconds);
  }
  runStartupHooks(*this);  // e.g. the load balancer (lb/)
  meter_.takeLoadSample();  // loads count from here, not from the program's start-up
  if (numPes_ > 1 && myPe_ != 0)
    output_.startForwarding([this](OutputStream stream, std::string_view lines) { sendOutput(stream, lines); });
  if (myPe_ == 0 && mainOnPeZero) scheduler_.spawn(std::move(mainOnPeZero));
  schedulerLoop();
  const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
  // The hook flushes the program's streams: before the last output leaves a PE
  // other than 0, but on PE 0 after the other PEs' last lines are written, since a
  // partial line it flushes would have them glued to it.
  if (embedding_ && myPe_ != 0) embedding_->exiting();
  // A PE that never comes back to its scheduler would keep the others in shutdown
  // forever: past the grace period, end the job with the exit code (writing first
  // the output PE 0 has not written, which is then lost otherwise).
  const bool outputDone = finishOutput(deadline);
  if (embedding_ && myPe_ == 0) embedding_->exiting();
  std::fflush(nullptr);
  if (!outputDone || !transport_.shutdownBy(deadline)) {
    output_.writeAllDirectly();
    char text[256];
    const int n = std::snprintf(text, sizeof text,
                                "charm: exit(%d): not every PE stopped within %.1f s after PE %d did (a PE is "
                                "busy, not returning to its scheduler); ending the job\n",
                                exitCode_, std::chrono::duration<double>(kExitGrace).count(), myPe_);
    std::fflush(nullptr);
    writeWhole(2, text, std::min(static_cast<std::size_t>(n), sizeof text - 1));
    transport_.endJob(exitCode_);
  }
  return exitCode_;
}

void Runtime::schedulerLoop() {
  using Clock = std::chrono::steady_clock;
  comm::ReceivedMessage incoming;
  while (!exiting_) {
    bool worked = false;
    if (meter_.idle()) meter_.passStarting(Clock::now());
    // A batch's clock starts with its second message (see kBatchBudget).
    Clock::time_point batchStart{};
    for (int i = 0; i < kNetworkBatch && !exiting_ && transport_.poll(incoming); ++i) {
      if (i == 1) batchStart = Clock::now();
      checkIncoming(incoming);
      handle(std::move(incoming.message));
      if (locations_.migrationsPending()) locations_.runPendingMigrations();
      worked = true;
      if (i > 0 && Clock::now() - batchStart > kBatchBudget) break;
    }
    for (int i = 0; i < kLocalBatch && !exiting_ && !localQueue_.empty(); ++i) {
      if (i == 1) batchStart = Clock::now();
      handle(localQueue_.pop());
      if (locations_.migrationsPending()) locations_.runPendingMigrations();
      worked = true;
      if (i > 0 && Clock::now() - batchStart > kBatchBudget) break;
    }
    try {
      if (scheduler_.resumeReady()) worked = true;
    } catch (const std::exception& e) {
      abort(std::string("uncaught exception in a fiber: ") + e.what());
    }
    // Elements asked to move from a coroutine leave once it has ended.
    if (locations_.migrationsPending() && locations_.runPendingMigrations()) worked = true;
    if (scheduler_.runDueTimers()) worked = true;
    output_.schedulerPass(/*idle=*/!worked);
    if (worked) {
      backoff_.reset();
      meter_.passWorked();
    } else {
      meter_.passFoundNothing();
      if (myPe_ == 0) deadlock_.idle();
      if (embedding_) embedding_->idle();
      backoff_.idle();
    }
  }
}

// --- sending ---------------------------------------------------------------

void Runtime::send(int pe, MessageBuffer message) {
  if (pe < 0 || pe >= numPes_)
    throw std::out_of_range("charm: PE " + std::to_string(pe) + " is out of range (0.." +
                            std::to_string(numPes_ - 1) + ")");
  Envelope& env = envelopeOf(message);
  env.sourcePe = myPe_;
  if (countsForQuiescence(env.kind)) quiescence_.countSent();
  if (pe == myPe_)
    localQueue_.push(std::move(message));
  else
    transport_.send(pe, std::move(message));
}

void Runtime::send(int pe, MessageBuffer message, comm::ExternalPayload tail) {
  if (pe < 0 || pe >= numPes_)
    throw std::out_of_range("charm: PE " + std::to_string(pe) + " is out of range (0.." +
                            std::to_string(numPes_ - 1) + ")");
  const std::size_t headerBytes = message.size();
  constexpr std::size_t kAlignment = comm::Transport::kExternalHeaderAlignment;
  if (headerBytes < kPayloadOffset || headerBytes % kAlignment != 0 ||
      (tail.data == nullptr && tail.size > 0))
    throw std::invalid_argument("charm: a message sent with an external tail needs an envelope, "
                                "a size that is a multiple of 16 and tail data; got " +
                                std::to_string(headerBytes) + " bytes and a tail of " +
                                std::to_string(tail.size));
  Envelope& env = envelopeOf(message);
  if (env.payloadSize != headerBytes - kPayloadOffset + tail.size)
    throw std::invalid_argument("charm: the envelope's payloadSize (" +
                                std::to_string(env.payloadSize) + ") must count the " +
                                std::to_string(headerBytes - kPayloadOffset) +
                                " payload bytes in the message plus the " +
                                std::to_string(tail.size) + "-byte external tail");
  env.sourcePe = myPe_;
  if (countsForQuiescence(env.kind)) quiescence_.countSent();
  if (pe != myPe_) {
    transport_.send(pe, std::move(message), std::move(tail));
    return;
  }
  message.resize(headerBytes + tail.size);
  if (tail.size > 0) std::memcpy(message.data() + headerBytes, tail.data, tail.size);
  tail.keepAlive.reset();
  localQueue_.push(std::move(message));
}

namespace {
void fillEntryCall(Envelope& env, CollectionId collection, const ArrayIndex& index, EntryId entry,
                   FutureRef reply, std::uint8_t flags) {
  env.kind = MessageKind::EntryCall;
  env.flags = flags & ~kRuntimeFlagBits;
  env.collection = collection;
  env.index = index;
  env.entry = entry;
  env.reply = reply;
}
}  // namespace

void Runtime::sendEntryCall(CollectionId collection, const ArrayIndex& index, int pe,
                            EntryId entry, MessageBuffer message, FutureRef reply,
                            std::uint8_t flags, std::size_t countedBytes) {
  checkNotDestroyed(collection, "call");
  fillEntryCall(envelopeOf(message), collection, index, entry, reply, flags);
  if (meter_.countingCommunication())
    meter_.countCommunication(collection, index, countedBytes ? countedBytes : message.size());
  send(locations_.route(collection, index, pe), std::move(message));
}

void Runtime::sendEntryCall(CollectionId collection, const ArrayIndex& index, int pe,
                            EntryId entry, MessageBuffer message, comm::ExternalPayload tail,
                            FutureRef reply, std::uint8_t flags) {
  checkNotDestroyed(collection, "call");
  fillEntryCall(envelopeOf(message), collection, index, entry, reply, flags);
  if (meter_.countingCommunication()) meter_.countCommunication(collection, index, message.size() + tail.size);
  send(locations_.route(collection, index, pe), std::move(message), std::move(tail));
}

void Runtime::broadcastEntry(CollectionId collection, EntryId entry, MessageBuffer message,
                             FutureRef reply, std::uint8_t flags) {
  checkNotDestroyed(collection, "broadcast");
  Envelope& env = envelopeOf(message);
  env.kind = MessageKind::BroadcastRequest;
  env.reply = reply;
  env.flags = flags & ~kRuntimeFlagBits;
  env.collection = collection;
  env.entry = entry;
  send(0, std::move(message));  // PE 0 numbers every broadcast
}

void Runtime::fire(const Callback& callback, const std::byte* bytes, std::size_t size) {
  auto withPayload = [&](MessageKind kind) {
    MessageBuffer m = newMessage(kind, size);
    if (size) std::memcpy(payloadOf(m), bytes, size);
    return m;
  };
  switch (callback.kind()) {
    case Callback::Kind::Ignore:
      return;
    case Callback::Kind::Exit:
      exit(0);
      return;
    case Callback::Kind::Future: {
      MessageBuffer m = withPayload(MessageKind::FutureValue);
      envelopeOf(m).reply = FutureRef{callback.pe(), callback.futureId()};
      envelopeOf(m).flags = callback.flags();
      send(callback.pe(), std::move(m));
      return;
    }
    case Callback::Kind::Element:
      sendEntryCall(callback.collection(), callback.index(), callback.pe(), callback.entry(),
                    withPayload(MessageKind::EntryCall));
      return;
    case Callback::Kind::Broadcast:
      broadcastEntry(callback.collection(), callback.entry(), withPayload(MessageKind::EntryCall));
      return;
    case Callback::Kind::AllElements:  // delivered by AllReduceManager, never fired
      throw std::logic_error("charm: an allreduce callback fired as an ordinary one");
  }
}

void Runtime::forwardDownTree(const MessageBuffer& message, int root) {
  const SpanningTree t = tree(root);
  for (int i = 0; i < t.numChildren(myPe_); ++i) send(t.child(myPe_, i), copyMessage(message));
}

// --- receiving -------------------------------------------------------------

void Runtime::handle(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  const MessageKind kind = env.kind;  // for errors: the handler may move the message
  const int sourcePe = env.sourcePe;
  if (countsForQuiescence(kind)) quiescence_.countProcessed();
  try {
    dispatch(message);
  } catch (const std::exception& e) {
    abort(std::string("uncaught exception handling message ") + messageKindName(kind) + " from PE " +
          std::to_string(sourcePe) + ": " + e.what());
  }
}

// The one place that maps a message kind to its handler: messages from the network
// and the local queue, and those released by PendingMessages, all come here.
void Runtime::dispatch(MessageBuffer& message) {
  Envelope& env = envelopeOf(message);
  switch (env.kind) {
    case MessageKind::EntryCall:
    case MessageKind::ElementBroadcast:
    case MessageKind::ElementSectionBroadcast:
      handleElementMessage(message);
      break;
    case MessageKind::MigrateElement:
      handleMigrate(std::move(message));
      break;
    case MessageKind::LocationUpdate:
      handleLocationUpdate(message);
      break;
    case MessageKind::RemoteContribution:
      handleRemoteContribution(message);
      break;
    case MessageKind::RemoteAllReduce:
      handleRemoteAllReduce(message);
      break;
    case MessageKind::AllReduceResult:
      allreduces_.handleForwardedResult(std::move(message));
      break;
    case MessageKind::BroadcastRequest:
      handleBroadcastRequest(std::move(message));
      break;
    case MessageKind::Broadcast:
      handleBroadcast(std::move(message));
      break;
    case MessageKind::CreateCollection:
      handleCreate(std::move(message));
      break;
    case MessageKind::ReductionPartial:
      if (!reductions_.handlePartial(message))
        waitForCollection(env.collection, std::move(message));
      break;
    case MessageKind::SectionBroadcastRequest:
      handleSectionBroadcastRequest(std::move(message));
      break;
    case MessageKind::SectionBroadcast:
      handleSectionBroadcast(std::move(message));
      break;
    case MessageKind::AllReducePartial:
      if (Collection* c = findCollection(env.collection))
        allreduces_.handlePartial(*c, message);
      else
        waitForCollection(env.collection, std::move(message));
      break;
    case MessageKind::FutureValue:
      if ((env.flags & kExternalFutureFlag) && embedding_)
        embedding_->deliverExternalFuture(std::move(message));
      else
        futures_.deliver(env.reply.id, std::move(message));
      break;
    case MessageKind::QuiescenceStart:
      quiescence_.handleStart(message);
      break;
    case MessageKind::QuiescenceWave:
      quiescence_.handleWave(message);
      break;
    case MessageKind::QuiescenceReply:
      quiescence_.handleReply(message);
      break;
    case MessageKind::InsertElement:
      handleInsert(std::move(message));
      break;
    case MessageKind::InsertionCount:
      handleInsertionCount(message);
      break;
    case MessageKind::DestroyCollection:
      handleDestroy(std::move(message));
      break;
    case MessageKind::Exit:
      exiting_ = true;
      exitCode_ = env.exitCode();
      break;
    case MessageKind::Output:  // PE 0: a batch of another PE's lines
      writeForwardedOutput(message);
      break;
    case MessageKind::OutputWritten:
      output_.acknowledged();
      break;
    case MessageKind::OutputDone:
      ++outputDonePes_;
      break;
    case MessageKind::AbortJob:  // PE 0: the aborting PE's output and reason were written above
      output_.writeAllDirectly();
      std::fflush(nullptr);
      transport_.abortJob(env.exitCode());
      break;
  }
}

void Runtime::checkIncoming(const comm::ReceivedMessage& incoming) {
  const char* problem = envelopeProblem(incoming.message, incoming.source, numPes_);
  if (!problem && embedding_) problem = embedding_->incomingProblem(envelopeOf(incoming.message));
  if (!problem) [[likely]]
    return;
  const bool sized = incoming.message.size() >= kPayloadOffset;
  abort(std::string("corrupt message ") + (sized ? messageKindName(envelopeOf(incoming.message).kind) : "(no envelope)") +
        " from PE " + std::to_string(incoming.source) + " (" + std::to_string(incoming.message.size()) + " bytes): " +
        problem);
}

bool Runtime::bufferIfUnknown(MessageBuffer& message) {
  const CollectionId id = envelopeOf(message).collection;
  if (collections_.count(id)) return false;
  waitForCollection(id, std::move(message));
  return true;
}

void Runtime::deliverToElement(ChareBase* element, const Envelope& env,
                               MessageBuffer* adoptable) {
  InvokeContext ctx = InvokeContext::forMessage(env, reinterpret_cast<const std::byte*>(&env) + kPayloadOffset,
                                                env.payloadSize, adoptable);
  invokeEntry(element, ctx);
}

void Runtime::invokeEntry(ChareBase* element, InvokeContext& ctx) {
  meter_.invoke(Registry::instance().entry(ctx.entry).invoke, element, ctx);
}

void Runtime::handleBroadcastRequest(MessageBuffer message) {
  Collection* c = findCollection(envelopeOf(message).collection);
  if (!c) {
    waitForCollection(envelopeOf(message).collection, std::move(message));
    return;
  }
  if (c->insertion && c->insertion->closing) {  // a sparse array being counted: after that
    pending_.hold(PendingMessages::insertionCount(c->id()), std::move(message));
    return;
  }
  Envelope& env = envelopeOf(message);
  env.kind = MessageKind::Broadcast;
  env.setBroadcastNumber(c->nextBroadcast++);
  env.setTreeRoot(myPe_);
  handleBroadcast(std::move(message));
}

void Runtime::handleBroadcast(MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  if (!hasFlag(env, kForwardedDownTree)) {
    forwardDownTree(message, env.treeRoot());
    setFlag(env, kForwardedDownTree);
  }
  if (bufferIfUnknown(message)) return;
  Collection& c = *findCollection(env.collection);
  if (c.kind() != CollectionKind::Group) {
    deliverBroadcastToCollection(c, message);
    return;
  }
  std::size_t remaining = c.elements.size();
  for (auto& [index, element] : c.elements) {
    // The last element may adopt the message; the others see it read-only.
    deliverToElement(element.get(), env, --remaining == 0 ? &message : nullptr);
    if (!message) break;
  }
}

}  // namespace charm
