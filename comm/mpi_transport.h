// MpiTransport: the Transport of a real job, one PE per MPI rank. It owns a
// duplicate of MPI_COMM_WORLD, so its traffic never mixes with an application's
// own MPI calls (e.g. mpi4py in the same process).
//
// Small messages (up to kInlineLimit bytes, nearly all of a program's calls)
// travel whole on comm_ and land in receives posted in advance: a ring of
// kPostedReceives persistent receives (MPI_Recv_init(any source, any tag) into
// pooled buffers, each MPI_Start-ed again once taken: cheaper than a new
// MPI_Irecv, and matched the same way), tested in the order they were posted.
// Open MPI matches an arriving message straight to the oldest of them and
// copies it in during progress, so receiving one costs an
// MPI_Test (an empty poll, one progress pass) instead of a probe that builds a
// request, a second match and a copy out of the unexpected queue. Posted
// receives match in posting order and a source's messages in send order, so
// taking them in ring order keeps per-pair FIFO.
//
// Every other message (larger ones, and those with an external payload) is sent
// as a small inline "parts" message on comm_ (kPartsTag) that announces up to
// two parts following on a second private communicator, payloadComm_ (never
// matched by the posted receives): the inline bytes are [prefix][u64 part 1
// bytes][u64 part 2 bytes] and the message is prefix + part 1 + part 2. A large
// message is an empty prefix and itself as part 1; a message with an external
// payload is its header as prefix (or, when the header is large, as part 1) and
// the payload as the last part, sent straight from the caller's memory. The
// receiver, on taking the inline message, allocates one buffer of the whole size
// and posts the parts' receives into it at once; parts from one source are posted
// in the order of their announcements, which with MPI's non-overtaking rule
// matches each to its message. While its parts land, the message (and later
// messages from the same source) wait, so per-pair FIFO holds. Parts above
// largeMessageThreshold() (always above INT_MAX bytes) travel as whole 1 MiB
// blocks plus the rest (see ExternalPartType in the .cc).
//
// Sends are MPI_Isend straight from the caller's MessageBuffer, which the
// transport keeps until MPI reports completion (a small send usually completes
// inside MPI_Isend: the buffer goes back to the pool at once).
//
// Any MPI error on the transport's communicator aborts the whole job with a
// message naming the PE and MPI's error string.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "comm/host_layout.h"
#include "comm/ring_queue.h"
#include "comm/transport.h"

namespace charm::comm {

class MpiTransport final : public Transport {
 public:
  // Initialises MPI (MPI_THREAD_SINGLE) unless it is already initialised, in
  // which case it also leaves finalising to whoever initialised it. Collective
  // over MPI_COMM_WORLD (duplicates it and learns the host layout).
  MpiTransport(int* argc, char*** argv);
  // Call shutdown() first. Without it: during exception unwinding the destructor
  // does nothing (the dying process takes the job down, see the .cc); otherwise,
  // with operations still in flight it aborts the job (their buffers cannot be
  // freed safely, and the peers would wait for them forever), and with none it
  // frees its MPI objects and finalises MPI if it initialised it.
  ~MpiTransport() override;
  MpiTransport(const MpiTransport&) = delete;
  MpiTransport& operator=(const MpiTransport&) = delete;

  int rank() const noexcept override { return rank_; }
  int size() const noexcept override { return size_; }
  HostLayout hostLayout() const override { return hosts_; }

  // Throws std::invalid_argument for a bad destination (out of range or self);
  // send() and poll() throw std::logic_error after shutdown().
  void send(int dest, MessageBuffer message) override;
  // Sends from payload.data without copying; payload.keepAlive is released by
  // the first poll() (or shutdown()) that finds the payload's send complete
  // (right away for a 0-byte payload).
  void send(int dest, MessageBuffer header, ExternalPayload payload) override;
  bool poll(ReceivedMessage& out) override;
  // Counts MPI sends: an external-payload send counts twice (header and payload)
  // until each part completes, once if the payload is empty.
  std::size_t pendingSends() const noexcept override {
    return sendRequests_.size() + externalRequests_.size();
  }
  void shutdown() override;
  bool shutdownBy(std::chrono::steady_clock::time_point deadline) override;
  [[noreturn]] void abortJob(int exitCode) override;
  // MPI_Abort with `exitCode`: mpirun then exits with it.
  [[noreturn]] void endJob(int exitCode) override;

  // Host information (computed once, at construction).
  int hostIndex() const noexcept { return hosts_.myHost; }
  int numHosts() const noexcept { return hosts_.numHosts(); }
  const std::vector<int>& pesOnHost(int host) const {
    return hosts_.pesOnHost.at(static_cast<std::size_t>(host));
  }
  const HostLayout& hosts() const noexcept { return hosts_; }

  // The transport's private communicator (same ranks as MPI_COMM_WORLD), for
  // collectives outside the message path, e.g. at start-up. Valid until shutdown().
  MPI_Comm communicator() const noexcept { return comm_; }

 private:
  // A received message whose parts are still landing (parts[i] != MPI_REQUEST_NULL),
  // or one behind such a message from the same source.
  struct PendingReceive {
    MessageBuffer buffer;
    MPI_Request parts[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  };

  void checkDestination(int dest) const;
  // MPI_Isend of a whole message of at most kInlineLimit bytes on comm_.
  void sendInline(int dest, MessageBuffer message, int tag);
  // MPI_Isend of a part on payloadComm_ from [data, data + bytes).
  MPI_Request sendPart(int dest, const std::byte* data, std::size_t bytes);
  void progressSends();
  void progressReceives();
  // Makes the persistent receive of ring slot `slot` into its buffer (inactive).
  void initReceive(std::size_t slot);
  // Starts the receive of ring slot `slot` (MPI_Start).
  void postReceive(std::size_t slot);
  // The inline part of a "parts" message from `source` is in receive.buffer:
  // grows it to the whole message and posts the parts' receives.
  void postParts(PendingReceive& receive, int source);
  // Receives and drops everything currently available; returns whether anything
  // happened (for shutdown's back-off).
  bool discardIncoming();
  void freeMpiObjects();

  int rank_ = 0;
  int size_ = 0;
  bool initialisedMpi_ = false;  // we called MPI_Init_thread, so we finalise
  bool shutDown_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Comm payloadComm_ = MPI_COMM_NULL;  // external parts only; never probed
  MPI_Datatype blockType_ = MPI_DATATYPE_NULL;  // kLargeMessageBlock contiguous bytes
  std::size_t largeThreshold_ = 0;
  HostLayout hosts_;

  // Outstanding sends: contiguous requests for MPI_Testsome, the buffer of
  // sendRequests_[i] in sendBuffers_[i]. Completed entries are compacted away;
  // the vectors keep their capacity, so steady state allocates nothing.
  std::vector<MPI_Request> sendRequests_;
  std::vector<MessageBuffer> sendBuffers_;
  std::vector<int> completedIndices_;
  // Outstanding sends of external parts, each with the caller's keepAlive, kept
  // apart so the ordinary path above stays exactly as cheap as without them.
  std::vector<MPI_Request> externalRequests_;
  std::vector<std::shared_ptr<void>> externalKeepAlives_;

  // The receives posted in advance, a ring in posting order (postedHead_ is the
  // oldest): request and buffer of each slot.
  std::vector<MPI_Request> postedRequests_;
  std::vector<MessageBuffer> postedBuffers_;
  std::size_t postedHead_ = 0;

  // Per source, the received messages held back to keep FIFO order behind one
  // whose parts are still landing; sources whose queue is non-empty are listed
  // in activeSources_.
  std::vector<RingQueue<PendingReceive>> heldBySource_;
  std::vector<int> activeSources_;
  // Complete messages, in order per source, waiting to be returned by poll().
  RingQueue<ReceivedMessage> ready_;
};

}  // namespace charm::comm
