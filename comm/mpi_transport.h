// MpiTransport: the Transport of a real job, one PE per MPI rank. It owns a
// duplicate of MPI_COMM_WORLD, so its traffic never mixes with an application's
// own MPI calls (e.g. mpi4py in the same process).
//
// Sends are MPI_Isend straight from the caller's MessageBuffer, which the
// transport keeps until MPI reports completion. Receives match with MPI_Improbe
// (any source, any tag) and land in a pooled MessageBuffer of the exact size.
// Small messages are received at once (MPI_Mrecv); bigger ones with MPI_Imrecv,
// and while one of those is incomplete, later messages from the same source wait
// behind it, so per-pair FIFO holds. Messages above largeMessageThreshold() (and
// always above INT_MAX bytes) travel as whole 1 MiB blocks with the true size in
// a trailer; see comm/large_message.h.
//
// External payloads (send(dest, header, payload)) are not copied: the header
// travels as an ordinary or large message on its own tags, with the payload's
// size in 8 bytes appended behind it; the payload follows as one more message,
// sent straight from the caller's memory on a second private communicator (so
// the any-tag probe for new messages never matches it). The receiver, once it
// has the header, allocates one buffer of header + payload bytes and posts the
// payload's receive at the header's end. Those receives are posted per source in
// header order, which with MPI's non-overtaking rule matches each payload to its
// header; and the message waits in the source's FIFO like any incomplete one.
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
  // A matched receive that cannot be handed out yet: its data is still coming
  // (request != MPI_REQUEST_NULL), or an earlier message from the same source is.
  // For a message with an external part, `buffer` first holds the header (and
  // the transport's size trailer) and, once the part's receive is posted, the
  // whole message, the part landing behind the header (dataRequest).
  struct PendingReceive {
    MessageBuffer buffer;
    MPI_Request request = MPI_REQUEST_NULL;      // the matched message, still landing
    MPI_Request dataRequest = MPI_REQUEST_NULL;  // its external part, still landing
    bool largeProtocol = false;   // size trailer to read once `request` completed
    bool externalToPost = false;  // the external part's receive is yet to be posted
  };

  void checkDestination(int dest) const;
  // MPI_Isend of `message` on `bytesTag`, or on `blocksTag` with the large-message
  // protocol above the threshold; the buffer is kept until the send completes.
  void startSend(int dest, MessageBuffer message, int bytesTag, int blocksTag);
  void progressSends();
  void progressReceives();
  PendingReceive startReceive(MPI_Message& handle, const MPI_Status& status);
  void finishReceive(PendingReceive& receive);
  // Reads the external part's size behind the received header, grows the buffer
  // to the whole message and posts the part's receive at the header's end.
  // Precondition: the header has landed and every earlier external part from
  // `source` has been posted.
  void postExternalPart(PendingReceive& receive, int source);
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

  // Per source, the matched receives held back to keep FIFO order; sources whose
  // queue is non-empty are listed in activeSources_.
  std::vector<RingQueue<PendingReceive>> heldBySource_;
  std::vector<int> activeSources_;
  // Per source, how many held messages still wait to post their external part's
  // receive. While non-zero, a newly matched external message from that source
  // must wait too (receives of external parts are posted in header order).
  std::vector<std::uint32_t> externalsToPost_;
  // Complete messages, in order per source, waiting to be returned by poll().
  RingQueue<ReceivedMessage> ready_;
};

}  // namespace charm::comm
