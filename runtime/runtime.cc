#include "runtime/runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "runtime/chare.h"
#include "runtime/registry.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {
thread_local Runtime* tlsCurrent = nullptr;

// Set on a Broadcast whose copies to the children were already sent, so that a
// replay (after the collection's creation arrived) only delivers locally.
constexpr std::uint8_t kForwarded = kRuntimeFlagBits;
// How many incoming messages one scheduler pass takes before looking at the
// local queue, so neither source starves the other.
constexpr int kNetworkBatch = 16;
constexpr int kLocalBatch = 16;
// A batch also ends once its messages have run this long, so that long entry methods
// on one side (e.g. tasks a PE sends itself) cannot keep the other side waiting for
// up to a whole batch of them.
constexpr auto kBatchBudget = std::chrono::microseconds(1000);
// An exiting PE whose output PE 0 has not acknowledged (PE 0 is busy) writes it
// itself and ends the job this long before the other PEs give up on the busy one
// (Runtime::kExitGrace), so that none of them ends the job while it writes.
constexpr auto kWriteOutputMargin = std::chrono::milliseconds(500);
}  // namespace

Runtime::Runtime(comm::Transport& transport, std::size_t fiberStackBytes)
    : transport_(transport),
      myPe_(transport.rank()),
      numPes_(transport.size()),
      fibers_(fiberStackBytes),
      futures_(myPe_, fibers_),
      reductions_(*this),
      allreduces_(*this),
      quiescence_(*this),
      deadlock_(*this),
      sections_(myPe_, numPes_, kTreeBranching),
      nextSingletonPe_((myPe_ + 1) % numPes_) {
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
  if (myPe_ == 0 && mainOnPeZero) spawnFiber(std::move(mainOnPeZero));
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

// --- output -----------------------------------------------------------------

void Runtime::sendOutput(OutputStream stream, std::string_view lines) {
  MessageBuffer m = newMessage(MessageKind::Output, lines.size());
  if (!lines.empty()) std::memcpy(payloadOf(m), lines.data(), lines.size());
  envelopeOf(m).sequence = static_cast<std::uint32_t>(stream);
  send(0, std::move(m));
}

void Runtime::writeForwardedOutput(const MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  // Written at once, so that it is out even if the job ends soon after.
  writeWhole(static_cast<int>(env.sequence == 2 ? OutputStream::Stderr : OutputStream::Stdout),
             reinterpret_cast<const char*>(payloadOf(message)), env.payloadSize);
  send(env.sourcePe, newMessage(MessageKind::OutputWritten, 0));
}

namespace {
bool carriesOutput(MessageKind kind) {
  return kind == MessageKind::Output || kind == MessageKind::OutputWritten || kind == MessageKind::OutputDone ||
         kind == MessageKind::AbortJob;
}
}  // namespace

bool Runtime::finishOutput(std::chrono::steady_clock::time_point deadline) {
  if (numPes_ == 1) return true;
  if (myPe_ != 0) {
    output_.stopForwarding();
    send(0, newMessage(MessageKind::OutputDone, 0));  // after its output: per-pair FIFO
  }
  const auto finished = [this] {
    return myPe_ == 0 ? outputDonePes_ >= numPes_ - 1 : output_.unacknowledgedBatches() == 0;
  };
  const auto giveUp = myPe_ == 0 ? deadline : deadline - kWriteOutputMargin;
  comm::ReceivedMessage incoming;
  comm::IdleBackoff backoff;
  while (!finished()) {
    if (std::chrono::steady_clock::now() >= giveUp) return false;
    if (transport_.poll(incoming)) {
      // The program has ended: anything but output is dropped, as shutdown would.
      if (carriesOutput(envelopeOf(incoming.message).kind)) dispatch(incoming.message);
      backoff.reset();
    } else {
      backoff.idle();
    }
  }
  return true;
}

void Runtime::schedulerLoop() {
  comm::ReceivedMessage incoming;
  while (!exiting_) {
    bool worked = false;
    const auto passStart = meter_.idle() ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    auto batchStart = std::chrono::steady_clock::now();
    for (int i = 0; i < kNetworkBatch && !exiting_ && transport_.poll(incoming); ++i) {
      checkIncoming(incoming);
      handle(std::move(incoming.message));
      if (!pendingMigrations_.empty()) runPendingMigrations();
      worked = true;
      if (std::chrono::steady_clock::now() - batchStart > kBatchBudget) break;
    }
    batchStart = std::chrono::steady_clock::now();
    for (int i = 0; i < kLocalBatch && !exiting_ && !localQueue_.empty(); ++i) {
      handle(localQueue_.pop());
      if (!pendingMigrations_.empty()) runPendingMigrations();
      worked = true;
      if (std::chrono::steady_clock::now() - batchStart > kBatchBudget) break;
    }
    if (!readyFibers_.empty()) {
      std::vector<Fiber*> ready;
      ready.swap(readyFibers_);
      for (Fiber* f : ready) {
        try {
          fibers_.resume(f);
        } catch (const std::exception& e) {
          abort(std::string("uncaught exception in a fiber: ") + e.what());
        }
      }
      worked = true;
    }
    // Elements asked to move from a coroutine leave once it has ended.
    if (!pendingMigrations_.empty() && runPendingMigrations()) worked = true;
    if (!timers_.empty() && timers_.top().due <= std::chrono::steady_clock::now()) {
      runTimers();
      worked = true;
    }
    output_.schedulerPass(/*idle=*/!worked);
    if (worked) {
      backoff_.reset();
      meter_.passWorked(passStart);
    } else {
      meter_.passFoundNothing();
      if (myPe_ == 0) deadlock_.idle();
      if (embedding_) embedding_->idle();
      backoff_.idle();
    }
  }
}

void Runtime::runTimers() {
  const auto now = std::chrono::steady_clock::now();
  while (!timers_.empty() && timers_.top().due <= now) {
    std::function<void()> fn = std::move(const_cast<Timer&>(timers_.top()).fn);
    timers_.pop();
    fn();
  }
}

void Runtime::after(double seconds, std::function<void()> fn) {
  const auto due = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(seconds));
  timers_.push(Timer{due, timerSequence_++, std::move(fn)});
}

void Runtime::resumeFiber(Fiber* fiber) {
  if (fibers_.inFiber())
    readyFibers_.push_back(fiber);
  else
    fibers_.resume(fiber);
}

void Runtime::spawnFiber(std::function<void()> body) {
  Fiber* f = fibers_.spawn(std::move(body));
  if (fibers_.inFiber())
    readyFibers_.push_back(f);  // fibers are resumed only from the scheduler
  else
    fibers_.resume(f);
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
                            std::uint8_t flags) {
  checkNotDestroyed(collection, "call");
  fillEntryCall(envelopeOf(message), collection, index, entry, reply, flags);
  if (meter_.countingCommunication()) meter_.countCommunication(collection, index, message.size());
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
      exitCode_ = static_cast<int>(env.sequence);
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
      transport_.abortJob(static_cast<int>(env.sequence));
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
  env.sequence = c->nextBroadcast++;
  env.treeRoot = myPe_;
  handleBroadcast(std::move(message));
}

void Runtime::handleBroadcast(MessageBuffer message) {
  Envelope& env = envelopeOf(message);
  if (!(env.flags & kForwarded)) {
    forwardDownTree(message, env.treeRoot);
    env.flags |= kForwarded;
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

// --- sections ----------------------------------------------------------------

namespace {
// A section broadcast's payload: [u64 header bytes][packed SectionRouting][padding
// to 16] then the caller's payload, which so stays 16-byte aligned.
std::size_t routingHeaderBytes(const SectionRouting& routing) {
  return (sizeof(std::uint64_t) + packedSize(routing) + 15) & ~std::size_t{15};
}

MessageBuffer sectionMessage(MessageKind kind, const SectionRouting& routing, const std::byte* payload,
                             std::size_t payloadSize) {
  const std::size_t header = routingHeaderBytes(routing);
  MessageBuffer m = newMessage(kind, header + payloadSize);
  std::byte* out = payloadOf(m);
  const std::uint64_t headerField = header;
  std::memcpy(out, &headerField, sizeof headerField);
  packInto(out + sizeof headerField, packedSize(routing), routing);
  if (payloadSize) std::memcpy(out + header, payload, payloadSize);
  envelopeOf(m).collection = routing.section;
  return m;
}

// The routing of a section broadcast and where the caller's payload starts.
SectionRouting readRouting(const MessageBuffer& m, std::size_t& header) {
  return readSectionRouting(payloadOf(m), payloadSizeOf(m), header);
}
}  // namespace

const SectionInfo& Runtime::addSection(SectionSpec spec) {
  if (!destroyed_.empty())
    for (const SectionMember& m : spec.members) checkNotDestroyed(m.collection, "section");
  const SectionId id = spec.id;
  const bool known = sections_.find(id) != nullptr;  // maybe from a broadcast: partials already run
  const SectionInfo& info = sections_.add(std::move(spec));
  if (!known) sectionKnown(id);
  return info;
}

void Runtime::sectionKnown(SectionId id) {
  for (MessageBuffer& m : pending_.release(PendingMessages::section(id))) dispatch(m);
}

void Runtime::broadcastSection(SectionId section, const std::vector<SectionRouting::Entry>& entries,
                               MessageBuffer message, FutureRef reply, std::uint8_t flags) {
  for (const SectionRouting::Entry& e : entries) checkNotDestroyed(e.collection, "section broadcast");
  const SectionInfo* info = sections_.find(section);
  if (!info) throw std::logic_error("charm: broadcast to a section this PE was never told about");
  SectionRouting routing;
  routing.section = section;
  routing.entries = entries;
  MessageBuffer request = sectionMessage(MessageKind::SectionBroadcastRequest, routing,
                                         payloadOf(message), payloadSizeOf(message));
  Envelope& env = envelopeOf(request);
  env.reply = reply;
  env.flags = flags & ~kRuntimeFlagBits;
  send(info->root(), std::move(request));
}

void Runtime::handleSectionBroadcastRequest(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  SectionInfo* info = sections_.find(env.collection);
  if (!info)
    throw std::logic_error("charm: a broadcast reached the root of section " +
                           std::to_string(env.collection & ~kSectionIdBit) + ", which does not know it");
  std::size_t header = 0;
  SectionRouting routing = readRouting(message, header);
  const std::uint32_t number = info->nextBroadcast++;
  routing.pes.assign(info->pes().begin(), info->pes().end());
  const std::byte* payload = payloadOf(message) + header;
  const std::size_t payloadSize = payloadSizeOf(message) - header;
  for (int pe : info->pes()) {
    routing.members = info->membersOn(pe);
    if (routing.members.empty()) continue;  // the root need not hold members
    MessageBuffer m = sectionMessage(MessageKind::SectionBroadcast, routing, payload, payloadSize);
    Envelope& out = envelopeOf(m);
    out.sequence = number;
    out.reply = env.reply;
    out.flags = env.flags;
    send(pe, std::move(m));
  }
}

void Runtime::handleSectionBroadcast(MessageBuffer message) {
  std::size_t header = 0;
  const SectionRouting routing = readRouting(message, header);
  // Deliver only once every member's collection exists here (creation may be in flight).
  for (const auto& member : routing.members)
    if (!findCollection(member.collection)) {
      waitForCollection(member.collection, std::move(message));
      return;
    }
  if (!sections_.find(routing.section)) {
    sections_.addFromRouting(routing);
    sectionKnown(routing.section);
  }
  const Envelope env = envelopeOf(message);
  std::size_t remaining = routing.members.size();
  for (const auto& member : routing.members) {
    Collection& c = *findCollection(member.collection);
    auto it = c.elements.find(member.index);
    if (it == c.elements.end()) {  // it moved: a copy follows it
      --remaining;
      forwardSectionCopy(c, member, routing, envelopeOf(message), payloadOf(message) + header,
                         env.payloadSize - header);
      continue;
    }
    InvokeContext ctx = InvokeContext::forSectionMember(
        env, payloadOf(message) + header, env.payloadSize - header,
        --remaining == 0 ? &message : nullptr,  // the last member may keep it
        routing.entryFor(member.collection), routing.section, member.position);
    if (ctx.entry == kNoEntry)
      throw std::logic_error("section broadcast names no entry method for collection " +
                             std::to_string(member.collection));
    invokeEntry(it->second.get(), ctx);
  }
}

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
  env.treeRoot = myPe_;
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
  if (spec.kind != CollectionKind::Singleton) forwardDownTree(message, env.treeRoot);

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

  // Run what arrived before the collection existed here, in arrival order.
  for (MessageBuffer& m : pending_.release(PendingMessages::collection(id))) dispatch(m);
  // A ckDestroy that reached this PE before the creation: what waited ran, now destroy.
  if (!destroyed_.empty())
    if (auto it = destroyed_.find(id); it != destroyed_.end() && it->second.awaitingCreation) destroyHere(id);
}

// --- ending ----------------------------------------------------------------

void Runtime::exit(int code) {
  for (int pe = 0; pe < numPes_; ++pe) {
    MessageBuffer m = newMessage(MessageKind::Exit, 0);
    envelopeOf(m).sequence = static_cast<std::uint32_t>(code);
    send(pe, std::move(m));
  }
}

void Runtime::abort(const std::string& message) {
  const std::string text = "charm: abort on PE " + std::to_string(myPe_) + ": " + message + "\n";
  std::fflush(nullptr);
  if (output_.forwarding() && !aborting_) {
    aborting_ = true;
    try {
      // PE 0 writes this PE's output and the reason after the lines it already has
      // from here, then ends the job; meanwhile this PE only counts acknowledgements.
      output_.write(OutputStream::Stderr, text);
      output_.stopForwarding();
      MessageBuffer m = newMessage(MessageKind::AbortJob, 0);
      envelopeOf(m).sequence = 1;
      send(0, std::move(m));
      const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
      comm::ReceivedMessage incoming;
      comm::IdleBackoff backoff;
      while (std::chrono::steady_clock::now() < deadline) {
        if (transport_.poll(incoming)) {
          if (envelopeOf(incoming.message).kind == MessageKind::OutputWritten) output_.acknowledged();
          backoff.reset();
        } else {
          backoff.idle();
        }
      }
    } catch (...) {  // the transport failed: write it all here
    }
    output_.writeAllDirectly();  // what PE 0, busy, did not write
  } else {
    output_.writeAllDirectly();
    writeWhole(2, text.data(), text.size());
  }
  transport_.abortJob(1);
  std::abort();  // not reached: abortJob does not return
}

}  // namespace charm
