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
// Any MPI error on the transport's communicator aborts the whole job with a
// message naming the PE and MPI's error string.
#pragma once

#include <mpi.h>

#include <cstddef>
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
  bool poll(ReceivedMessage& out) override;
  std::size_t pendingSends() const noexcept override { return sendRequests_.size(); }
  void shutdown() override;
  [[noreturn]] void abortJob(int exitCode) override;

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
  struct PendingReceive {
    MessageBuffer buffer;
    MPI_Request request = MPI_REQUEST_NULL;
    bool largeProtocol = false;  // size trailer to read once complete
  };

  void progressSends();
  void progressReceives();
  PendingReceive startReceive(MPI_Message& handle, const MPI_Status& status);
  void finishReceive(PendingReceive& receive);
  // Receives and drops everything currently available; returns whether anything
  // happened (for shutdown's back-off).
  bool discardIncoming();
  void freeMpiObjects();

  int rank_ = 0;
  int size_ = 0;
  bool initialisedMpi_ = false;  // we called MPI_Init_thread, so we finalise
  bool shutDown_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Datatype blockType_ = MPI_DATATYPE_NULL;  // kLargeMessageBlock contiguous bytes
  std::size_t largeThreshold_ = 0;
  HostLayout hosts_;

  // Outstanding sends: contiguous requests for MPI_Testsome, the buffer of
  // sendRequests_[i] in sendBuffers_[i]. Completed entries are compacted away;
  // the vectors keep their capacity, so steady state allocates nothing.
  std::vector<MPI_Request> sendRequests_;
  std::vector<MessageBuffer> sendBuffers_;
  std::vector<int> completedIndices_;

  // Per source, the matched receives held back to keep FIFO order; sources whose
  // queue is non-empty are listed in activeSources_.
  std::vector<RingQueue<PendingReceive>> heldBySource_;
  std::vector<int> activeSources_;
  // Complete messages, in order per source, waiting to be returned by poll().
  RingQueue<ReceivedMessage> ready_;
};

}  // namespace charm::comm
