// Payload: raw message bytes an entry method can take and pass on without any
// copy (Charm++'s message-based entry methods). Allocate one with room for the
// data, fill it, and send it with `proxy.invoke<&T::method>(std::move(payload))`
// to an entry method whose only parameter is `charm::Payload`: the bytes are
// sent from where they are, and the receiver gets the very buffer MPI received
// into. Forwarding a received Payload reuses that buffer again.
//
// Sending gives the buffer up: the call takes the Payload (it is empty after),
// so nothing the sender does later can change what is sent, and a call still
// behaves as if its arguments were copied at the call. Do not keep a pointer
// from data() across the call to write through. Sending bytes that stay in the
// caller's own memory after the call (no copy at all) is the explicit opt-in
// Runtime::send(pe, message, comm::ExternalPayload): there the caller promises
// not to change the bytes until the transport releases its keepAlive.
#pragma once

#include <cstddef>
#include <cstring>
#include <utility>

#include "charm/detail/message.h"

namespace charm {

class Payload {
 public:
  Payload() = default;
  static Payload allocate(std::size_t bytes) { return Payload(newMessage(MessageKind::EntryCall, bytes)); }
  static Payload copyOf(const std::byte* bytes, std::size_t size) {
    Payload p = allocate(size);
    if (size) std::memcpy(p.data(), bytes, size);
    return p;
  }
  // Takes over a received message (its envelope is rewritten when sent again).
  static Payload adopt(MessageBuffer&& message) { return Payload(std::move(message)); }

  std::byte* data() { return payloadOf(message_); }
  const std::byte* data() const { return payloadOf(message_); }
  std::size_t size() const { return message_ ? payloadSizeOf(message_) : 0; }
  explicit operator bool() const { return static_cast<bool>(message_); }

  // The whole message, envelope room included, for sending.
  MessageBuffer release() && { return std::move(message_); }

 private:
  explicit Payload(MessageBuffer&& m) : message_(std::move(m)) {}
  MessageBuffer message_;
};

}  // namespace charm
