// Envelope flags: every bit of Envelope::flags that any layer gives a meaning,
// in one table (kEnvelopeFlags), with its owner and the message kinds it applies
// to. A bit means something only together with the message's kind: the same bit
// is used by several entries whose kinds are disjoint (bit 0 is the runtime's on
// broadcasts, element messages, insertions and QD waves, with four meanings).
// The table is checked at compile time: entries whose kinds overlap never share
// a bit. A flag is defined here and nowhere else; the embedding layer's bits are
// defined here too, because the runtime must know which bits are whose (it
// strips its own from what callers pass and leaves the rest untouched), and so
// that the table can be checked whole without the embedding layer.
#pragma once

#include <cassert>
#include <cstdint>

#include "charm/detail/envelope.h"

namespace charm {

// A set of message kinds, one bit per MessageKind.
using KindSet = std::uint32_t;
static_assert(static_cast<unsigned>(kLastMessageKind) < 32, "KindSet has one bit per MessageKind");
constexpr KindSet kindSet(MessageKind k) { return KindSet{1} << static_cast<unsigned>(k); }
template <class... Kinds>
constexpr KindSet kindSet(MessageKind k, Kinds... more) {
  return kindSet(k) | kindSet(more...);
}
constexpr bool contains(KindSet set, MessageKind k) { return (set & kindSet(k)) != 0; }

// Kinds that carry an entry-method call, and the broadcast kinds among them.
inline constexpr KindSet kBroadcastKinds =
    kindSet(MessageKind::BroadcastRequest, MessageKind::Broadcast, MessageKind::ElementBroadcast,
            MessageKind::SectionBroadcastRequest, MessageKind::SectionBroadcast,
            MessageKind::ElementSectionBroadcast);
inline constexpr KindSet kCallKinds = kindSet(MessageKind::EntryCall) | kBroadcastKinds;
// Kinds routed to an element that may have moved (Runtime::handleElementMessage).
inline constexpr KindSet kElementKinds =
    kindSet(MessageKind::EntryCall, MessageKind::ElementBroadcast, MessageKind::ElementSectionBroadcast);

enum class FlagOwner : std::uint8_t {
  Runtime,    // set and read by the runtime (libcharmrt)
  Embedding,  // set and read by the embedding layer (embed/); the runtime passes them through
};

// --- the bits ------------------------------------------------------------------------
// Runtime bits.
inline constexpr std::uint8_t kForwardedDownTree = 0x01;   // Broadcast
inline constexpr std::uint8_t kForwardedToElement = 0x01;  // EntryCall, ElementBroadcast, ElementSectionBroadcast
inline constexpr std::uint8_t kPlacedByHome = 0x01;        // InsertElement
inline constexpr std::uint8_t kWaveWithReports = 0x01;     // QuiescenceWave
inline constexpr std::uint8_t kExternalFutureFlag = 0x80;  // FutureValue
// Embedding-layer bits (charmpy: embed/).
inline constexpr std::uint8_t kCallByReference = 0x02;   // EntryCall
inline constexpr std::uint8_t kReplyGathered = 0x04;     // broadcasts
inline constexpr std::uint8_t kCallFast = 0x08;          // calls and broadcasts
inline constexpr std::uint8_t kFutureFormatMask = 0x0f;  // FutureValue: a FutureFormat (embed_state.h)
inline constexpr std::uint8_t kWantList = 0x10;          // FutureValue

struct EnvelopeFlag {
  const char* name;
  std::uint8_t bits;
  FlagOwner owner;
  KindSet kinds;
  const char* meaning;
};

// Every flag bit of every layer. Bits that no entry lists for a kind are free on
// that kind (callers of the runtime may pass them on calls; they arrive unchanged).
inline constexpr EnvelopeFlag kEnvelopeFlags[] = {
    {"kForwardedDownTree", kForwardedDownTree, FlagOwner::Runtime, kindSet(MessageKind::Broadcast),
     "this PE sent the copies to its children in the tree already; a replay (after the collection's "
     "creation arrived) only delivers here. Cleared when the broadcast becomes an ElementBroadcast"},
    {"kForwardedToElement", kForwardedToElement, FlagOwner::Runtime, kElementKinds,
     "forwarded towards an element that moved; Envelope::originalSender() holds the PE that first sent "
     "it, to be told where the element is"},
    {"kPlacedByHome", kPlacedByHome, FlagOwner::Runtime, kindSet(MessageKind::InsertElement),
     "the home registered the index: the receiving PE constructs the element; "
     "Envelope::firstBroadcast() holds the first broadcast it takes"},
    {"kWaveWithReports", kWaveWithReports, FlagOwner::Runtime, kindSet(MessageKind::QuiescenceWave),
     "every PE adds its report of waiting coroutines to its reply"},
    {"kExternalFutureFlag", kExternalFutureFlag, FlagOwner::Runtime, kindSet(MessageKind::FutureValue),
     "the future is managed outside the runtime's FutureTable: the value goes to the embedding layer's "
     "handler, and the other bits are the embedding layer's (set by it, in Callback::toFuture flags)"},
    {"kCallByReference", kCallByReference, FlagOwner::Embedding, kindSet(MessageKind::EntryCall),
     "the payload is PyObject* args and kwargs (or null): valid on the sending PE only"},
    {"kReplyGathered", kReplyGathered, FlagOwner::Embedding, kBroadcastKinds,
     "broadcast with ret=True: the reply is the list of the elements' results"},
    {"kCallFast", kCallFast, FlagOwner::Embedding, kCallKinds,
     "the payload is FastCodec-encoded positional arguments (no kwargs), not a pickle"},
    {"kFutureFormatMask", kFutureFormatMask, FlagOwner::Embedding, kindSet(MessageKind::FutureValue),
     "with kExternalFutureFlag: the FutureFormat of the payload (a 4-bit number, not single bits)"},
    {"kWantList", kWantList, FlagOwner::Embedding, kindSet(MessageKind::FutureValue),
     "with kExternalFutureFlag and the Gathered format: deliver the list of results (ret=True) rather "
     "than None (awaitable=True)"},
};

// The bits any entry gives `kind` (of `owner`, or of either).
constexpr std::uint8_t flagBitsOn(MessageKind kind, FlagOwner owner) {
  std::uint8_t bits = 0;
  for (const EnvelopeFlag& f : kEnvelopeFlags)
    if (f.owner == owner && contains(f.kinds, kind)) bits |= f.bits;
  return bits;
}
constexpr std::uint8_t flagBitsOn(MessageKind kind) {
  return flagBitsOn(kind, FlagOwner::Runtime) | flagBitsOn(kind, FlagOwner::Embedding);
}

// Whether the table has an entry with exactly these `bits` applying to `kind`.
constexpr bool flagAppliesTo(std::uint8_t bits, MessageKind kind) {
  for (const EnvelopeFlag& f : kEnvelopeFlags)
    if (f.bits == bits && contains(f.kinds, kind)) return true;
  return false;
}

// No two entries whose kinds overlap share a bit: on any one kind, a bit has one meaning.
constexpr bool flagTableConsistent() {
  constexpr std::size_t n = sizeof kEnvelopeFlags / sizeof kEnvelopeFlags[0];
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if ((kEnvelopeFlags[i].kinds & kEnvelopeFlags[j].kinds) && (kEnvelopeFlags[i].bits & kEnvelopeFlags[j].bits))
        return false;
  return true;
}
static_assert(flagTableConsistent(), "two envelope flags applying to the same kind share a bit");

// Envelope flag bits the runtime uses itself on calls and broadcasts: cleared from
// the flags callers pass, and when a Broadcast becomes an ElementBroadcast (where
// kForwardedDownTree's bit would read as kForwardedToElement). The other bits of
// those kinds are the layer's that made the message.
inline constexpr std::uint8_t kRuntimeFlagBits = kForwardedDownTree | kForwardedToElement;
static_assert(kRuntimeFlagBits == (flagBitsOn(MessageKind::EntryCall, FlagOwner::Runtime) |
                                   flagBitsOn(MessageKind::Broadcast, FlagOwner::Runtime) |
                                   flagBitsOn(MessageKind::ElementBroadcast, FlagOwner::Runtime) |
                                   flagBitsOn(MessageKind::ElementSectionBroadcast, FlagOwner::Runtime)),
              "kRuntimeFlagBits must be the runtime's bits on calls and broadcasts");
static_assert((kRuntimeFlagBits & (kCallByReference | kReplyGathered | kCallFast)) == 0,
              "stripping the runtime's bits must leave the embedding layer's call flags");

// Reads and writes of a runtime flag on an envelope. In debug builds they check
// that the flag applies to the envelope's kind (a bit of another kind's flag would
// otherwise be read silently); in release builds they are one AND / OR.
inline bool hasFlag(const Envelope& env, std::uint8_t flag) {
  assert(flagAppliesTo(flag, env.kind));
  return (env.flags & flag) != 0;
}
inline void setFlag(Envelope& env, std::uint8_t flag) {
  assert(flagAppliesTo(flag, env.kind));
  env.flags |= flag;
}
inline void clearFlag(Envelope& env, std::uint8_t flag) {
  assert(flagAppliesTo(flag, env.kind));
  env.flags &= static_cast<std::uint8_t>(~flag);
}

}  // namespace charm
