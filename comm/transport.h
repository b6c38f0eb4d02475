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
//
// A message may also be sent as header bytes plus an ExternalPayload: memory the
// caller owns, which a transport may send from without copying it into the
// message. The receiver cannot tell: it gets one contiguous MessageBuffer.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "comm/host_layout.h"
#include "charm/detail/message_buffer.h"

namespace charm::comm {

struct ReceivedMessage {
  int source = -1;
  MessageBuffer message;
};

// The last part of a message, sent from memory the caller owns. The transport
// reads [data, data + size) until the send has completed and then destroys
// `keepAlive` (the caller's handle on that memory: a shared_ptr, possibly with a
// custom deleter, e.g. one that drops a Python buffer reference). A transport
// that copies the bytes destroys it during send(). Until then the caller must not
// change the bytes.
//
// `keepAlive` is destroyed on the PE's own thread, from inside a Transport call
// (send, poll or shutdown), so its deleter must not call back into the transport.
// A shared_ptr rather than a move-only callback: one allocation per external send
// is nothing next to the bytes it saves copying, and a caller that already holds
// a shared_ptr to the memory passes it (or an aliasing one) at no cost at all.
struct ExternalPayload {
  const std::byte* data = nullptr;  // may be null only when size == 0
  std::size_t size = 0;
  std::shared_ptr<void> keepAlive;
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

  // Sends `header` followed by `payload` to PE `dest`: the receiver gets one
  // message of header.size() + payload.size bytes, exactly what send() would
  // have delivered had the payload been copied in after the header. header.size()
  // must be a multiple of kExternalHeaderAlignment (callers pad), so the payload
  // lands aligned in the receiver's buffer. Throws std::invalid_argument if not,
  // or if payload.data is null with a non-zero size. A transport may append a few
  // bytes of its own behind the header (MpiTransport: 8), so a header buffer with
  // that much spare capacity is never copied.
  //
  // This default copies header and payload into one buffer, releases
  // payload.keepAlive at once and calls send(); transports that can send from
  // the caller's memory (MpiTransport) override it.
  virtual void send(int dest, MessageBuffer header, ExternalPayload payload) {
    checkExternalSend(header, payload);
    const std::size_t headerBytes = header.size();
    header.resize(headerBytes + payload.size);
    if (payload.size > 0) std::memcpy(header.data() + headerBytes, payload.data, payload.size);
    payload.keepAlive.reset();
    send(dest, std::move(header));
  }
  static constexpr std::size_t kExternalHeaderAlignment = 16;

  // Makes progress on outstanding sends and receives. Returns true and fills
  // `out` with one received message when one is ready; never blocks.
  virtual bool poll(ReceivedMessage& out) = 0;

  // Number of sends not yet completed (their buffers still held).
  virtual std::size_t pendingSends() const noexcept = 0;

  // Ends communication collectively: every PE calls it once. Completes this PE's
  // outstanding sends while receiving and discarding whatever still arrives, then
  // waits until every PE has done the same. No send() or poll() afterwards.
  virtual void shutdown() = 0;

  // shutdown(), giving up at `deadline` if some PE has not reached its shutdown by
  // then (it may be busy and never come back): returns false, and the transport is
  // then unusable (the caller ends the job with endJob()). True when done.
  // Transports whose shutdown never waits for other PEs keep this default.
  virtual bool shutdownBy(std::chrono::steady_clock::time_point deadline) {
    (void)deadline;
    shutdown();
    return true;
  }

  // Ends the whole job now with a non-zero exit code, from any PE, without the
  // other PEs' cooperation. Prints nothing; the caller prints the reason first.
  [[noreturn]] virtual void abortJob(int exitCode) = 0;

  // Ends the whole job now with `exitCode` (0 included), from any PE, without the
  // other PEs' cooperation: how an exit ends PEs that do not take part in it.
  // Prints nothing; the caller prints the reason first.
  [[noreturn]] virtual void endJob(int exitCode) = 0;

 protected:
  // The preconditions of send(dest, header, payload), for every implementation.
  static void checkExternalSend(const MessageBuffer& header, const ExternalPayload& payload) {
    if (header.size() % kExternalHeaderAlignment != 0)
      throw std::invalid_argument("Transport: a header sent before an external payload must be a "
                                  "multiple of 16 bytes, got " +
                                  std::to_string(header.size()) + " (pad it)");
    if (payload.data == nullptr && payload.size > 0)
      throw std::invalid_argument("Transport: external payload of " +
                                  std::to_string(payload.size) + " bytes at a null address");
  }
};

}  // namespace charm::comm
