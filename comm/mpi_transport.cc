// MpiTransport; see mpi_transport.h for the design.
#include "comm/mpi_transport.h"

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "comm/idle_backoff.h"
#include "comm/large_message.h"

namespace charm::comm {

namespace {

// Tags on comm_: a whole small message, and the inline part of a message whose
// parts follow on payloadComm_ (see mpi_transport.h). The posted receives take
// any tag, so MPI's non-overtaking rule keeps the order across both.
constexpr int kInlineTag = 1;
constexpr int kPartsTag = 2;
// The only tag on payloadComm_: parts, received by (source, tag) in the order
// of their announcements.
constexpr int kPartTag = 1;
// Behind the prefix of a parts message: the sizes of its two parts.
constexpr std::size_t kPartsTrailer = 2 * sizeof(std::uint64_t);

// The eager limit this transport asks of Open MPI's shared-memory transport
// (vader) when it initialises MPI and the job did not set one (see
// askForEagerLimit), and the largest message on comm_, so the size of each
// posted receive: below that eager limit with its headers, so a message is
// complete once matched and the ring's head never waits for its data (with a
// lower eager limit, as on another MPI or when set by the job, a larger
// message is still received whole, only later).
constexpr std::size_t kSharedMemoryEagerLimit = 32768;
constexpr std::size_t kInlineLimit = kSharedMemoryEagerLimit - 256;
// Receives posted in advance (32 KiB of pooled buffer each: 2 MiB per PE). More
// messages than this arriving between two polls wait in MPI's unexpected queue
// and match as the receives are posted again, still in order, but each is then
// copied once more (out of the unexpected queue). 64, not 16: stencil3d at 4x4x4
// on 2 PEs gets its 16 remote 20 KB faces per iteration in bursts, while the PE
// runs kernels; with 16 posted, most of a burst took the extra copy.
constexpr std::size_t kPostedReceives = 64;
// A received message up to this size is copied into a buffer of its own size
// and the posted buffer reused, so small messages a program keeps (e.g. arrays
// adopting their message) hold a block of their own size class (256 B to
// 8 KiB), not 32 KiB; a larger one keeps the posted buffer (no copy).
constexpr std::size_t kCopyOutLimit = 8192;

// Open MPI's shared-memory transport sends a message up to its eager limit
// (4 KiB by default) by copying it through shared memory at once; a larger one
// waits until the receiver matched it, which then copies it with a system call
// (process_vm_readv, pinning its pages) and tells the sender, who until then
// keeps testing its request. Before, a mid-size message (stencil3d's 18 KiB
// faces at 4x4x4) was also two MPI messages here (an announcement, then the
// part). With the 32 KiB limit it is one eager message into a posted receive:
// no system call and no reply (apps/bench/faces.py --pattern remote, 2 PEs:
// CPU time per 18 KiB message, medians of alternating runs on a loaded VM,
// 22.8 us before, 18.0 us after). The copies are in user space instead: into
// and out of shared memory, and, for a burst of more messages than there are
// posted receives, once more through MPI's unexpected queue.
// So, before MPI_Init, the transport asks for 32 KiB unless the job chose a
// value (mpirun --mca btl_vader_eager_limit N sets the same variable). Other
// MPIs ignore the variable.
void askForEagerLimit() {
  setenv("OMPI_MCA_btl_vader_eager_limit", std::to_string(kSharedMemoryEagerLimit).c_str(), 0);
}

constexpr int kMpiErrorExitCode = 1;

// Installed on the transport's communicator (and on MPI_COMM_WORLD/SELF when we
// initialised MPI): every MPI error ends the whole job, naming the PE.
void abortOnMpiError(MPI_Comm*, int* errorCode, ...) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(*errorCode, text, &length) != MPI_SUCCESS)
    std::snprintf(text, sizeof text, "MPI error code %d", *errorCode);
  int pe = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &pe);
  std::fprintf(stderr, "charmrt: PE %d: MPI error: %s\n", pe, text);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, kMpiErrorExitCode);
  std::_Exit(kMpiErrorExitCode);
}

[[noreturn]] void fatal(int pe, const std::string& what) {
  std::fprintf(stderr, "charmrt: PE %d: %s\n", pe, what.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, kMpiErrorExitCode);
  std::_Exit(kMpiErrorExitCode);
}

// The (count, datatype) an external part of `bytes` bytes travels as: that many
// MPI_BYTEs, or above the large-message threshold (always above INT_MAX) whole
// blocks of blockType, plus the rest in bytes through a struct type made for
// this one transfer. The type signature is `bytes` bytes either way, so sender
// and receiver may choose differently. The struct type is freed when this goes
// out of scope, right after the transfer is posted: MPI lets a datatype be freed
// while transfers that use it are in flight.
class ExternalPartType {
 public:
  ExternalPartType(std::size_t bytes, std::size_t threshold, MPI_Datatype blockType, int pe) {
    const std::size_t blocks = bytes / kLargeMessageBlock;
    const std::size_t rest = bytes % kLargeMessageBlock;
    if (bytes <= threshold || blocks == 0) {  // the threshold is at most INT_MAX
      count_ = static_cast<int>(bytes);
      return;
    }
    if (blocks > INT_MAX)
      fatal(pe, "external payload of " + std::to_string(bytes) + " bytes is too large");
    if (rest == 0) {
      count_ = static_cast<int>(blocks);
      type_ = blockType;
      return;
    }
    int lengths[2] = {static_cast<int>(blocks), static_cast<int>(rest)};
    MPI_Aint offsets[2] = {0, static_cast<MPI_Aint>(blocks * kLargeMessageBlock)};
    MPI_Datatype types[2] = {blockType, MPI_BYTE};
    MPI_Type_create_struct(2, lengths, offsets, types, &type_);
    MPI_Type_commit(&type_);
    owned_ = true;
    count_ = 1;
  }
  ExternalPartType(const ExternalPartType&) = delete;
  ExternalPartType& operator=(const ExternalPartType&) = delete;
  ~ExternalPartType() {
    if (owned_) MPI_Type_free(&type_);
  }

  int count() const noexcept { return count_; }
  MPI_Datatype type() const noexcept { return type_; }

 private:
  int count_ = 0;
  MPI_Datatype type_ = MPI_BYTE;
  bool owned_ = false;
};

// Tests `requests` with MPI_Testsome; for each completed one, releases what the
// parallel `owners` entry holds (a buffer, a keepAlive) and drops both, keeping
// the others in order. The vectors keep their capacity, so this allocates
// nothing in the steady state.
template <typename Owner>
void completeSome(std::vector<MPI_Request>& requests, std::vector<Owner>& owners,
                  std::vector<int>& indices) {
  const int count = static_cast<int>(requests.size());
  if (indices.size() < requests.size()) indices.resize(requests.size());
  int completed = 0;
  MPI_Testsome(count, requests.data(), &completed, indices.data(), MPI_STATUSES_IGNORE);
  if (completed == MPI_UNDEFINED || completed == 0) return;
  // MPI_Testsome set the completed requests to MPI_REQUEST_NULL.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i] == MPI_REQUEST_NULL) {
      owners[i].reset();
      continue;
    }
    if (kept != i) {
      requests[kept] = requests[i];
      owners[kept] = std::move(owners[i]);
    }
    ++kept;
  }
  requests.resize(kept);
  owners.resize(kept);
}

}  // namespace

MpiTransport::MpiTransport(int* argc, char*** argv) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) throw std::logic_error("MpiTransport: MPI has already been finalised");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // A PE is one thread, so MPI_THREAD_SINGLE. (Open MPI 4.1 turns on its
    // internal locking for anything above SINGLE, even FUNNELED: measured
    // +0.2-0.3 us on an 8-byte ping-pong.)
    int provided = 0;
    askForEagerLimit();
    MPI_Init_thread(argc, argv, MPI_THREAD_SINGLE, &provided);
    initialisedMpi_ = true;
  }

  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  MPI_Comm_create_errhandler(&abortOnMpiError, &handler);
  if (initialisedMpi_) {
    // MPI calls that concern no communicator (datatypes, ...) report errors on
    // WORLD (MPI 3) or SELF (MPI 4). Only if MPI is ours: otherwise its owner
    // (e.g. mpi4py) chose how errors are handled there.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, handler);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, handler);
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  MPI_Comm_set_errhandler(comm_, handler);
  MPI_Errhandler_free(&handler);  // the communicators keep their reference
  MPI_Comm_dup(comm_, &payloadComm_);  // inherits the error handler

  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);

  MPI_Type_contiguous(static_cast<int>(kLargeMessageBlock), MPI_BYTE, &blockType_);
  MPI_Type_commit(&blockType_);
  largeThreshold_ = largeMessageThreshold();

  // Host layout: every PE learns the lowest PE of its shared-memory node, and
  // everyone gathers those.
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  int leader = rank_;
  MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, node);
  MPI_Comm_free(&node);
  std::vector<int> leaderOfPe(static_cast<std::size_t>(size_));
  MPI_Allgather(&leader, 1, MPI_INT, leaderOfPe.data(), 1, MPI_INT, comm_);
  hosts_ = HostLayout::fromHostLeaders(leaderOfPe, rank_);

  heldBySource_.resize(static_cast<std::size_t>(size_));
  sendRequests_.reserve(64);
  sendBuffers_.reserve(64);
  completedIndices_.reserve(64);
  postedRequests_.assign(kPostedReceives, MPI_REQUEST_NULL);
  postedBuffers_.resize(kPostedReceives);
  for (std::size_t slot = 0; slot < kPostedReceives; ++slot) {
    postedBuffers_[slot] = MessageBuffer::allocate(kInlineLimit);
    initReceive(slot);
    postReceive(slot);
  }
}

MpiTransport::~MpiTransport() {
  if (shutDown_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;  // someone else finalised MPI under us; nothing to free
  // Unwinding from an exception: touch nothing. MPI_Finalize could wait for PEs
  // that are still running; without it the exception reaches std::terminate (or
  // the process exits unfinalised) and mpirun ends the whole job, and the
  // exception's own message stays visible.
  if (std::uncaught_exceptions() > 0) return;
  if (pendingSends() > 0 || !activeSources_.empty())
    fatal(rank_, "MpiTransport destroyed without shutdown() while " +
                     std::to_string(pendingSends()) + " sends and the receives of " +
                     std::to_string(activeSources_.size()) + " sources were in flight");
  freeMpiObjects();
}

void MpiTransport::checkDestination(int dest) const {
  if (shutDown_) throw std::logic_error("MpiTransport::send() after shutdown()");
  if (dest < 0 || dest >= size_ || dest == rank_)
    throw std::invalid_argument("MpiTransport: PE " + std::to_string(rank_) +
                                " cannot send to PE " + std::to_string(dest) + " (" +
                                std::to_string(size_) + " PEs, self-sends not allowed)");
}

void MpiTransport::send(int dest, MessageBuffer message) {
  checkDestination(dest);
  const std::size_t bytes = message.size();
  if (bytes <= kInlineLimit) {
    sendInline(dest, std::move(message), kInlineTag);
    return;
  }
  // Announced by an empty prefix, then the whole message as part 1.
  MessageBuffer announce = MessageBuffer::allocate(kPartsTrailer);
  const std::uint64_t sizes[2] = {bytes, 0};
  std::memcpy(announce.data(), sizes, sizeof sizes);
  sendInline(dest, std::move(announce), kPartsTag);
  const MPI_Request request = sendPart(dest, message.data(), bytes);
  sendRequests_.push_back(request);
  sendBuffers_.push_back(std::move(message));
}

void MpiTransport::send(int dest, MessageBuffer header, ExternalPayload payload) {
  checkDestination(dest);
  checkExternalSend(header, payload);
  if (payload.size == 0) {  // nothing follows; keepAlive is released now
    send(dest, std::move(header));
    return;
  }
  const std::uint64_t headerBytes = header.size();
  if (headerBytes + kPartsTrailer <= kInlineLimit) {
    // The header travels inline as the prefix; resize() copies it only if its
    // block has no room for the trailer.
    const std::uint64_t sizes[2] = {payload.size, 0};
    header.resize(headerBytes + kPartsTrailer);
    std::memcpy(header.data() + headerBytes, sizes, sizeof sizes);
    sendInline(dest, std::move(header), kPartsTag);
  } else {
    MessageBuffer announce = MessageBuffer::allocate(kPartsTrailer);
    const std::uint64_t sizes[2] = {headerBytes, payload.size};
    std::memcpy(announce.data(), sizes, sizeof sizes);
    sendInline(dest, std::move(announce), kPartsTag);
    const MPI_Request request = sendPart(dest, header.data(), headerBytes);
    sendRequests_.push_back(request);
    sendBuffers_.push_back(std::move(header));
  }
  externalRequests_.push_back(sendPart(dest, payload.data, payload.size));
  externalKeepAlives_.push_back(std::move(payload.keepAlive));
}

void MpiTransport::sendInline(int dest, MessageBuffer message, int tag) {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Isend(message.data(), static_cast<int>(message.size()), MPI_BYTE, dest, tag, comm_, &request);
  // A small send has usually completed inside MPI_Isend (Open MPI's shared memory
  // copies it out at once): then the buffer goes back to the pool now.
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  if (done) return;
  sendRequests_.push_back(request);
  sendBuffers_.push_back(std::move(message));
}

MPI_Request MpiTransport::sendPart(int dest, const std::byte* data, std::size_t bytes) {
  const ExternalPartType part(bytes, largeThreshold_, blockType_, rank_);
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Isend(data, part.count(), part.type(), dest, kPartTag, payloadComm_, &request);
  return request;
}

void MpiTransport::progressSends() {
  // Completed buffers go back to the pool; completed external parts release
  // the caller's memory.
  if (!sendRequests_.empty()) completeSome(sendRequests_, sendBuffers_, completedIndices_);
  if (!externalRequests_.empty())
    completeSome(externalRequests_, externalKeepAlives_, completedIndices_);
}

void MpiTransport::initReceive(std::size_t slot) {
  MPI_Recv_init(postedBuffers_[slot].data(), static_cast<int>(kInlineLimit), MPI_BYTE, MPI_ANY_SOURCE,
                MPI_ANY_TAG, comm_, &postedRequests_[slot]);
}

void MpiTransport::postReceive(std::size_t slot) { MPI_Start(&postedRequests_[slot]); }

void MpiTransport::postParts(PendingReceive& receive, int source) {
  const std::size_t inlineBytes = receive.buffer.size();
  if (inlineBytes < kPartsTrailer)
    fatal(rank_, "corrupt message from PE " + std::to_string(source) + ": a " +
                     std::to_string(inlineBytes) + "-byte message cannot announce parts");
  const std::size_t prefix = inlineBytes - kPartsTrailer;
  std::uint64_t sizes[2] = {0, 0};
  std::memcpy(sizes, receive.buffer.data() + prefix, sizeof sizes);
  // The sizes come from the sender: a corrupt one ends the job naming the
  // sender, not by std::bad_alloc out of poll().
  constexpr std::uint64_t kMost = std::numeric_limits<std::size_t>::max() / 4;
  if (sizes[0] > kMost || sizes[1] > kMost)
    fatal(rank_, "corrupt message from PE " + std::to_string(source) + ": parts of " +
                     std::to_string(sizes[0]) + " and " + std::to_string(sizes[1]) + " bytes announced");
  // Prefix and parts become one message, as if the parts had been copied in:
  // resize() moves the prefix (small) into a block big enough for the whole.
  const std::size_t total = prefix + static_cast<std::size_t>(sizes[0] + sizes[1]);
  try {
    receive.buffer.resize(total);
  } catch (const std::exception& e) {
    fatal(rank_, "corrupt message from PE " + std::to_string(source) + "? cannot allocate its announced " +
                     std::to_string(total) + "-byte message (" + e.what() + ")");
  }
  std::size_t offset = prefix;
  for (int i = 0; i < 2; ++i) {
    const std::size_t bytes = static_cast<std::size_t>(sizes[i]);
    if (bytes == 0) continue;
    const ExternalPartType part(bytes, largeThreshold_, blockType_, rank_);
    MPI_Irecv(receive.buffer.data() + offset, part.count(), part.type(), source, kPartTag,
              payloadComm_, &receive.parts[i]);
    offset += bytes;
  }
}

void MpiTransport::progressReceives() {
  for (std::size_t i = 0; i < activeSources_.size();) {
    const int source = activeSources_[i];
    auto& held = heldBySource_[static_cast<std::size_t>(source)];
    while (!held.empty()) {
      PendingReceive& head = held.front();
      bool landed = true;
      for (MPI_Request& part : head.parts) {
        if (part == MPI_REQUEST_NULL) continue;
        int done = 0;
        MPI_Test(&part, &done, MPI_STATUS_IGNORE);
        if (!done) landed = false;
      }
      if (!landed) break;
      ready_.push(ReceivedMessage{source, std::move(held.pop().buffer)});
    }
    if (held.empty()) {
      activeSources_[i] = activeSources_.back();
      activeSources_.pop_back();
    } else {
      ++i;
    }
  }
}

bool MpiTransport::poll(ReceivedMessage& out) {
  if (shutDown_) throw std::logic_error("MpiTransport::poll() after shutdown()");
  progressSends();
  if (!activeSources_.empty()) progressReceives();
  if (ready_.empty()) {
    // The oldest posted receive: MPI_Test runs one progress pass when it has not
    // completed, which also matches a message that arrived while this PE computed.
    const std::size_t slot = postedHead_;
    int done = 0;
    MPI_Status status;
    MPI_Test(&postedRequests_[slot], &done, &status);
    if (!done) return false;
    postedHead_ = (slot + 1) % kPostedReceives;
    const int source = status.MPI_SOURCE;
    const int tag = status.MPI_TAG;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    if (source < 0 || source >= size_ || count < 0)
      fatal(rank_, "internal error: a posted receive completed from PE " + std::to_string(source));
    if (tag != kInlineTag && tag != kPartsTag)
      fatal(rank_, "unexpected MPI tag " + std::to_string(tag) + " from PE " + std::to_string(source));
    const std::size_t bytes = static_cast<std::size_t>(count);
    PendingReceive receive;
    MessageBuffer& posted = postedBuffers_[slot];
    if (bytes <= kCopyOutLimit) {
      receive.buffer = MessageBuffer::allocate(bytes);
      if (bytes > 0) std::memcpy(receive.buffer.data(), posted.data(), bytes);
    } else {
      // The message keeps the posted buffer; the slot's persistent receive is
      // made again for its new one.
      receive.buffer = std::exchange(posted, MessageBuffer::allocate(kInlineLimit));
      receive.buffer.resize(bytes);  // shrinks: no copy
      MPI_Request_free(&postedRequests_[slot]);
      initReceive(slot);
    }
    postReceive(slot);
    auto& held = heldBySource_[static_cast<std::size_t>(source)];
    if (tag == kPartsTag) postParts(receive, source);
    if (held.empty() && receive.parts[0] == MPI_REQUEST_NULL && receive.parts[1] == MPI_REQUEST_NULL) {
      // The common case: a small message, nothing ahead of it from that source.
      out.source = source;
      out.message = std::move(receive.buffer);
      return true;
    }
    if (held.empty()) activeSources_.push_back(source);
    held.push(std::move(receive));
    progressReceives();
    if (ready_.empty()) return false;
  }
  out = ready_.pop();
  return true;
}

bool MpiTransport::discardIncoming() {
  bool any = false;
  ReceivedMessage dropped;
  while (poll(dropped)) {
    dropped.message.reset();
    any = true;
  }
  return any || !activeSources_.empty();
}

void MpiTransport::shutdown() { shutdownBy(std::chrono::steady_clock::time_point::max()); }

bool MpiTransport::shutdownBy(std::chrono::steady_clock::time_point deadline) {
  if (shutDown_) throw std::logic_error("MpiTransport::shutdown() called twice");
  IdleBackoff backoff;
  const auto late = [deadline] { return std::chrono::steady_clock::now() >= deadline; };
  // 1. Complete our own sends. Peers may be sending to us meanwhile (and a large
  //    send of theirs completes only when we receive it), so keep receiving.
  while (pendingSends() > 0) {
    if (late()) return false;  // a send waits for a PE that is not receiving
    const std::size_t before = pendingSends();
    const bool received = discardIncoming();
    if (received || pendingSends() != before)
      backoff.reset();
    else
      backoff.idle();
  }
  // 2. Wait until every PE got there, still receiving what arrives.
  MPI_Request barrier = MPI_REQUEST_NULL;
  MPI_Ibarrier(comm_, &barrier);
  for (;;) {
    int done = 0;
    MPI_Test(&barrier, &done, MPI_STATUS_IGNORE);
    if (done) break;
    if (late()) return false;  // left pending: the caller ends the job
    if (discardIncoming())
      backoff.reset();
    else
      backoff.idle();
  }
  // 3. Every PE's sends are complete now; drop what is still on its way to us,
  //    including receives we matched but that are still landing.
  while (discardIncoming()) {
  }
  ready_.clear();
  freeMpiObjects();
  shutDown_ = true;
  return true;
}

void MpiTransport::freeMpiObjects() {
  for (MPI_Request& request : postedRequests_) {
    if (request == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);  // inactive now, still allocated
    MPI_Request_free(&request);
  }
  postedBuffers_.clear();
  if (blockType_ != MPI_DATATYPE_NULL) MPI_Type_free(&blockType_);
  if (payloadComm_ != MPI_COMM_NULL) MPI_Comm_free(&payloadComm_);
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  if (initialisedMpi_) {
    MPI_Finalize();
    initialisedMpi_ = false;
  }
}

void MpiTransport::abortJob(int exitCode) {
  endJob(exitCode == 0 ? 1 : exitCode);  // an abort never reports success
}

void MpiTransport::endJob(int exitCode) {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, exitCode);
  std::_Exit(exitCode);
}

}  // namespace charm::comm
