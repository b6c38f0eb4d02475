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

// Tags on comm_: plain bytes, and whole large-message blocks; each again for the
// header of a message whose external part follows. The receiver probes with
// MPI_ANY_TAG, so MPI's non-overtaking rule keeps the order across all four.
constexpr int kBytesTag = 1;
constexpr int kBlocksTag = 2;
constexpr int kExternalHeaderBytesTag = 3;
constexpr int kExternalHeaderBlocksTag = 4;
// The only tag on payloadComm_: external parts, received by (source, tag) in
// the order of their headers.
constexpr int kExternalPartTag = 1;
// Behind a header on the wire: the size of the external part that follows.
constexpr std::size_t kExternalSizeTrailer = sizeof(std::uint64_t);

// Messages up to this size are received with a blocking MPI_Mrecv as soon as
// the probe matches them. At or below Open MPI's shared-memory eager limit
// (4 KiB) the data has already arrived, so the call only copies; above it, a
// blocking receive could sit waiting for the sender to enter MPI again (it may
// be busy in a long entry method), so those go through MPI_Imrecv.
constexpr int kDirectReceiveLimit = 4096;

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
  externalsToPost_.resize(static_cast<std::size_t>(size_));
  sendRequests_.reserve(64);
  sendBuffers_.reserve(64);
  completedIndices_.reserve(64);
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
  startSend(dest, std::move(message), kBytesTag, kBlocksTag);
}

void MpiTransport::send(int dest, MessageBuffer header, ExternalPayload payload) {
  checkDestination(dest);
  checkExternalSend(header, payload);
  // The header announces the part's size in a trailer of its own; resize()
  // copies the header only if its block has no room for those 8 bytes.
  const std::size_t headerBytes = header.size();
  const std::uint64_t partBytes = payload.size;
  header.resize(headerBytes + kExternalSizeTrailer);
  std::memcpy(header.data() + headerBytes, &partBytes, sizeof partBytes);
  startSend(dest, std::move(header), kExternalHeaderBytesTag, kExternalHeaderBlocksTag);
  if (payload.size == 0) return;  // nothing follows; keepAlive is released now
  const ExternalPartType part(payload.size, largeThreshold_, blockType_, rank_);
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Isend(payload.data, part.count(), part.type(), dest, kExternalPartTag, payloadComm_,
            &request);
  externalRequests_.push_back(request);
  externalKeepAlives_.push_back(std::move(payload.keepAlive));
}

void MpiTransport::startSend(int dest, MessageBuffer message, int bytesTag, int blocksTag) {
  MPI_Request request = MPI_REQUEST_NULL;
  const std::size_t bytes = message.size();
  if (bytes <= largeThreshold_) {
    MPI_Isend(message.data(), static_cast<int>(bytes), MPI_BYTE, dest, bytesTag, comm_,
              &request);
  } else {
    const std::size_t wireBytes = largeMessageWireBytes(bytes);
    if (message.capacity() < wireBytes) {
      // MessageBuffer::allocate/resize always leave room for the padding and
      // trailer above the threshold, so this is only a safety net.
      MessageBuffer padded = MessageBuffer::allocate(bytes);
      std::memcpy(padded.data(), message.data(), bytes);
      message = std::move(padded);
    }
    const std::uint64_t trueSize = bytes;
    std::memcpy(message.data() + wireBytes - kLargeMessageTrailer, &trueSize, sizeof trueSize);
    MPI_Isend(message.data(), static_cast<int>(wireBytes / kLargeMessageBlock), blockType_, dest,
              blocksTag, comm_, &request);
  }
  sendRequests_.push_back(request);
  sendBuffers_.push_back(std::move(message));
}

void MpiTransport::progressSends() {
  // Completed buffers go back to the pool; completed external parts release
  // the caller's memory.
  if (!sendRequests_.empty()) completeSome(sendRequests_, sendBuffers_, completedIndices_);
  if (!externalRequests_.empty())
    completeSome(externalRequests_, externalKeepAlives_, completedIndices_);
}

MpiTransport::PendingReceive MpiTransport::startReceive(MPI_Message& handle,
                                                        const MPI_Status& status) {
  PendingReceive receive;
  const int tag = status.MPI_TAG;
  if (tag == kBlocksTag || tag == kExternalHeaderBlocksTag) {
    int blocks = 0;
    MPI_Get_count(&status, blockType_, &blocks);
    if (blocks == MPI_UNDEFINED || blocks < 1)
      fatal(rank_, "large message from PE " + std::to_string(status.MPI_SOURCE) +
                       " is not a whole number of blocks");
    const std::size_t wireBytes = static_cast<std::size_t>(blocks) * kLargeMessageBlock;
    // Allocated with the largest size the trailer may announce; the buffer then
    // has room for all the blocks (see requiredCapacity in message_buffer.cc).
    receive.buffer = MessageBuffer::allocate(wireBytes - kLargeMessageTrailer);
    if (receive.buffer.capacity() < wireBytes)
      fatal(rank_, "internal error: buffer too small for a large message");
    receive.largeProtocol = true;
    receive.externalToPost = tag == kExternalHeaderBlocksTag;
    MPI_Imrecv(receive.buffer.data(), blocks, blockType_, &handle, &receive.request);
    return receive;
  }
  if (tag != kBytesTag && tag != kExternalHeaderBytesTag)
    fatal(rank_, "unexpected MPI tag " + std::to_string(status.MPI_TAG) + " from PE " +
                     std::to_string(status.MPI_SOURCE));
  int bytes = 0;
  MPI_Get_count(&status, MPI_BYTE, &bytes);
  receive.buffer = MessageBuffer::allocate(static_cast<std::size_t>(bytes));
  receive.externalToPost = tag == kExternalHeaderBytesTag;
  if (bytes <= kDirectReceiveLimit)
    MPI_Mrecv(receive.buffer.data(), bytes, MPI_BYTE, &handle, MPI_STATUS_IGNORE);
  else
    MPI_Imrecv(receive.buffer.data(), bytes, MPI_BYTE, &handle, &receive.request);
  return receive;
}

void MpiTransport::finishReceive(PendingReceive& receive) {
  if (!receive.largeProtocol) return;
  std::uint64_t trueSize = 0;
  std::memcpy(&trueSize, receive.buffer.data() + receive.buffer.size(), sizeof trueSize);
  if (trueSize > receive.buffer.size())
    fatal(rank_, "corrupt large message: size trailer says " + std::to_string(trueSize) +
                     " bytes in a " + std::to_string(receive.buffer.size()) + "-byte message");
  receive.buffer.resize(static_cast<std::size_t>(trueSize));  // shrinks: no copy
  receive.largeProtocol = false;  // done; an external message passes here twice
}

void MpiTransport::postExternalPart(PendingReceive& receive, int source) {
  finishReceive(receive);
  const std::size_t wireBytes = receive.buffer.size();
  if (wireBytes < kExternalSizeTrailer)
    fatal(rank_, "corrupt message from PE " + std::to_string(source) + ": a " +
                     std::to_string(wireBytes) + "-byte header cannot announce an external part");
  const std::size_t headerBytes = wireBytes - kExternalSizeTrailer;
  std::uint64_t partBytes = 0;
  std::memcpy(&partBytes, receive.buffer.data() + headerBytes, sizeof partBytes);
  // Header and part become one message, as if the part had been copied in:
  // resize() moves the header (small, typically) into a block big enough for
  // the whole message, unless its own block already is. The size comes from the
  // sender's trailer: a corrupt one ends the job naming the sender, not by
  // std::bad_alloc out of poll().
  if (partBytes > std::numeric_limits<std::size_t>::max() / 2)
    fatal(rank_, "corrupt message from PE " + std::to_string(source) + ": an external part of " +
                     std::to_string(partBytes) + " bytes announced");
  try {
    receive.buffer.resize(headerBytes + static_cast<std::size_t>(partBytes));
  } catch (const std::exception& e) {
    fatal(rank_, "corrupt message from PE " + std::to_string(source) + "? cannot allocate its announced " +
                     std::to_string(partBytes) + "-byte external part (" + e.what() + ")");
  }
  receive.externalToPost = false;
  if (partBytes == 0) return;
  const ExternalPartType part(static_cast<std::size_t>(partBytes), largeThreshold_, blockType_,
                              rank_);
  MPI_Irecv(receive.buffer.data() + headerBytes, part.count(), part.type(), source,
            kExternalPartTag, payloadComm_, &receive.dataRequest);
}

void MpiTransport::progressReceives() {
  for (std::size_t i = 0; i < activeSources_.size();) {
    const int source = activeSources_[i];
    auto& held = heldBySource_[static_cast<std::size_t>(source)];
    while (!held.empty()) {
      PendingReceive& head = held.front();
      if (head.request != MPI_REQUEST_NULL) {
        int done = 0;
        MPI_Test(&head.request, &done, MPI_STATUS_IGNORE);
        if (!done) break;
      }
      if (head.externalToPost) {
        // Everything before it from this source is gone, so it is next in order.
        postExternalPart(head, source);
        --externalsToPost_[static_cast<std::size_t>(source)];
      }
      if (head.dataRequest != MPI_REQUEST_NULL) {
        int done = 0;
        MPI_Test(&head.dataRequest, &done, MPI_STATUS_IGNORE);
        if (!done) break;
      }
      PendingReceive complete = held.pop();
      finishReceive(complete);
      ready_.push(ReceivedMessage{source, std::move(complete.buffer)});
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
    int matched = 0;
    MPI_Message handle = MPI_MESSAGE_NULL;
    MPI_Status status;
    MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &matched, &handle, &status);
    if (!matched) {
      // Open MPI matches a message that arrived while this PE was computing only at
      // the probe after the one whose progress pulled it in: without this second
      // probe, the message would wait for another whole scheduler pass (one more
      // long entry method).
      MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &matched, &handle, &status);
      if (!matched) return false;
    }
    const int source = status.MPI_SOURCE;
    PendingReceive receive = startReceive(handle, status);
    auto& held = heldBySource_[static_cast<std::size_t>(source)];
    if (receive.externalToPost) {
      // Post the part's receive now if its header is here and no earlier part
      // from this source still waits to be posted; else when it reaches the front.
      auto& toPost = externalsToPost_[static_cast<std::size_t>(source)];
      if (receive.request == MPI_REQUEST_NULL && toPost == 0)
        postExternalPart(receive, source);
      else
        ++toPost;
    }
    if (held.empty() && receive.request == MPI_REQUEST_NULL &&
        receive.dataRequest == MPI_REQUEST_NULL && !receive.externalToPost) {
      // The common case: a small message, nothing ahead of it from that source.
      finishReceive(receive);
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
