// Message: a runtime message = one comm::MessageBuffer laid out as
// [Envelope][padding][payload]. Helpers to allocate one with room for a payload,
// and to reach the envelope and payload in place.
#pragma once

#include <cstring>
#include <new>

#include "charm/detail/message_buffer.h"
#include "charm/detail/envelope.h"

namespace charm {

using comm::MessageBuffer;

inline Envelope& envelopeOf(MessageBuffer& m) {
  return *std::launder(reinterpret_cast<Envelope*>(m.data()));
}
inline const Envelope& envelopeOf(const MessageBuffer& m) {
  return *std::launder(reinterpret_cast<const Envelope*>(m.data()));
}
inline std::byte* payloadOf(MessageBuffer& m) { return m.data() + kPayloadOffset; }
inline const std::byte* payloadOf(const MessageBuffer& m) { return m.data() + kPayloadOffset; }
inline std::size_t payloadSizeOf(const MessageBuffer& m) { return envelopeOf(m).payloadSize; }

// Why `m`, received from PE `source` of `numPes`, cannot be a runtime message, or
// nullptr when its envelope is sound: the fields every handler trusts (the size,
// the kind, the sender, the element index) are checked once here, on arrival from
// the network, so that corrupt bytes end the job with an error instead of being
// read as a message. A few comparisons: cheap enough for every message.
inline const char* envelopeProblem(const MessageBuffer& m, int source, int numPes) noexcept {
  if (m.size() < kPayloadOffset) return "shorter than an envelope";
  const Envelope& env = envelopeOf(m);
  if (static_cast<std::uint8_t>(env.kind) > static_cast<std::uint8_t>(kLastMessageKind))
    return "unknown message kind";
  if (env.sourcePe != source || source < 0 || source >= numPes)
    return "the envelope names another sending PE";
  if (env.payloadSize != m.size() - kPayloadOffset)
    return "the envelope's payload size differs from the bytes received";
  if (env.index.ndims < 0 || env.index.ndims > kMaxIndexDims) return "corrupt element index";
  return nullptr;
}

// A message with a default envelope of `kind` and `payloadSize` bytes of
// (uninitialised) payload.
inline MessageBuffer newMessage(MessageKind kind, std::size_t payloadSize) {
  MessageBuffer m = MessageBuffer::allocate(kPayloadOffset + payloadSize);
  Envelope* env = new (m.data()) Envelope{};
  env->kind = kind;
  env->payloadSize = payloadSize;
  return m;
}

// A byte-for-byte copy (used where one message fans out to several PEs).
inline MessageBuffer copyMessage(const MessageBuffer& m) {
  MessageBuffer c = MessageBuffer::allocate(m.size());
  std::memcpy(c.data(), m.data(), m.size());
  return c;
}

}  // namespace charm
