// What the registry keeps per entry method (EntryInfo) and what an invoker gets
// (InvokeContext): public (detail) because the registration templates of
// charm/entry.h hold an EntryInfo* per method and read its id inline at every
// call. The Registry itself is internal (runtime/registry.h); registration goes
// through charm/detail/runtime_calls.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "charm/detail/envelope.h"
#include "charm/detail/message.h"

namespace charm {

class ChareBase;
class Runtime;

// How an entry method is invoked. `payload` holds the packed arguments; the
// message buffer is passed too so entries that take a charm::Payload can adopt
// it without a copy (only when `adoptable` is non-null).
struct InvokeContext {
  const std::byte* payload = nullptr;
  std::size_t payloadSize = 0;
  MessageBuffer* adoptable = nullptr;  // the whole message, when the callee may keep it
  FutureRef reply;                     // where the return value goes, if valid
  EntryId entry = kNoEntry;            // the entry being invoked (dynamic entries share invokers)
  bool broadcast = false;              // part of a broadcast (the reply is a reduction)
  std::uint64_t replyScope = 0;        // broadcasts: the collection or section replies reduce over
  std::uint32_t broadcastNumber = 0;   // broadcasts: their number (numbers the reply reduction)
  std::uint32_t sectionPosition = 0;   // section broadcasts: the member's place in the section
  std::int32_t countingPe = -1;        // section broadcasts: the PE that counts the member's reply
  std::uint8_t flags = 0;              // the envelope's flags

  // The ways a context is made (by the runtime), so that every delivery fills it
  // the same way. An entry method run by message `env` (an entry call or any kind
  // of broadcast) on the arguments [payload, payload + size); `adoptable` as above.
  static InvokeContext forMessage(const Envelope& env, const std::byte* payload, std::size_t size,
                                  MessageBuffer* adoptable) {
    InvokeContext ctx;
    ctx.payload = payload;
    ctx.payloadSize = size;
    ctx.adoptable = adoptable;
    ctx.reply = env.reply;
    ctx.entry = env.entry;
    ctx.broadcast = env.kind == MessageKind::Broadcast || env.kind == MessageKind::ElementBroadcast ||
                    env.kind == MessageKind::SectionBroadcast || env.kind == MessageKind::ElementSectionBroadcast;
    ctx.replyScope = env.collection;
    ctx.broadcastNumber = env.broadcastNumber();
    ctx.flags = env.flags;
    return ctx;
  }
  // The same for a member of a section broadcast: runs `entry` (the one named for
  // the member's collection); replies reduce over `section`, at the member's
  // `position`, counted by `countingPe` (-1: this PE).
  static InvokeContext forSectionMember(const Envelope& env, const std::byte* payload, std::size_t size,
                                        MessageBuffer* adoptable, EntryId entry, std::uint64_t section,
                                        std::uint32_t position, std::int32_t countingPe = -1) {
    InvokeContext ctx = forMessage(env, payload, size, adoptable);
    ctx.entry = entry;
    ctx.broadcast = true;
    ctx.replyScope = section;
    ctx.sectionPosition = position;
    ctx.countingPe = countingPe;
    return ctx;
  }
  // Constructor entry `entry` building an element from [payload, payload + size).
  static InvokeContext forConstructor(EntryId entry, const std::byte* payload, std::size_t size,
                                      MessageBuffer* adoptable = nullptr) {
    InvokeContext ctx;
    ctx.entry = entry;
    ctx.payload = payload;
    ctx.payloadSize = size;
    ctx.adoptable = adoptable;
    return ctx;
  }
};

using EntryInvoker = void (*)(ChareBase* object, InvokeContext& ctx);
// Constructor entries build one element from the packed constructor arguments.
using ChareConstructor = std::unique_ptr<ChareBase> (*)(InvokeContext& ctx);

struct EntryInfo {
  std::string name;         // unique, stable across PEs
  EntryInvoker invoke = nullptr;        // ordinary entry methods
  ChareConstructor construct = nullptr; // constructor entries
  std::uint32_t chareType = 0;  // index into the chare-type table
  bool onFiber = false;         // runs on its own fiber so it may wait
  EntryId id = kNoEntry;        // assigned by Registry::freeze() / addDynamic
};

}  // namespace charm
