// Transport: moves byte messages between PEs. It knows nothing about chares:
// a message is an opaque MessageBuffer. Two implementations: MpiTransport (one PE
// per MPI rank) and InProcessTransport (several PEs inside one process, so runtime
// logic is unit-testable without MPI).
//
// Guarantees every implementation gives:
//  - messages of any size, from 0 bytes up;
//  - per-pair FIFO: two messages sent from PE a to PE b arrive in send order;
//  - nothing is lost: a message handed to send() is delivered exactly once unless
//    the job ends first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "comm/host_layout.h"
#include "comm/message_buffer.h"

namespace charm::comm {

struct ReceivedMessage {
  int source = -1;
  MessageBuffer message;
};

class Transport {
 public:
  virtual ~Transport() = default;

  virtual int rank() const noexcept = 0;   // this PE
  virtual int size() const noexcept = 0;   // number of PEs

  // Which PEs share a host with which. Transports that know nothing of hosts
  // put every PE on host 0.
  virtual HostLayout hostLayout() const { return HostLayout::singleHost(size(), rank()); }

  // Sends `message` to PE `dest` (0 <= dest < size(), dest != rank()). Takes
  // ownership; the buffer is released when the send has completed. Never blocks
  // for the receiver.
  virtual void send(int dest, MessageBuffer message) = 0;

  // Makes progress on outstanding sends and receives. Returns true and fills
  // `out` with one received message when one is ready; never blocks.
  virtual bool poll(ReceivedMessage& out) = 0;

  // Number of sends not yet completed (their buffers still held).
  virtual std::size_t pendingSends() const noexcept = 0;

  // Ends communication collectively: every PE calls it once. Completes this PE's
  // outstanding sends while receiving and discarding whatever still arrives, then
  // waits until every PE has done the same. No send() or poll() afterwards.
  virtual void shutdown() = 0;

  // Ends the whole job now with a non-zero exit code, from any PE, without the
  // other PEs' cooperation. Prints nothing; the caller prints the reason first.
  [[noreturn]] virtual void abortJob(int exitCode) = 0;
};

}  // namespace charm::comm
