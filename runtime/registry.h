// Registry: the table of chare types and entry methods, identical on every PE
// without any startup exchange. C++ entry methods register themselves at static
// initialisation under a name derived from the member-function pointer; when the
// first Runtime starts, the names are sorted and numbered, so every PE (running
// the same binary) assigns the same ids whatever the static-init order was.
// Entries added after that (from Python, in a deterministic order) are appended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/envelope.h"
#include "runtime/message.h"

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

  // The two ways a context is made, so that every delivery fills it the same way.
  // An entry method run by message `env` (an entry call or any kind of broadcast)
  // on the arguments [payload, payload + size); `adoptable` as above.
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
    ctx.broadcastNumber = env.sequence;
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

struct ChareTypeInfo {
  std::string name;
  std::uint32_t id = 0;
};

class Registry {
 public:
  static Registry& instance();

  // Static-init registration; returns a stable pointer whose `id` is valid after freeze().
  EntryInfo* addEntry(std::string name, EntryInvoker invoke, std::string chareTypeName, bool onFiber);
  EntryInfo* addConstructor(std::string name, ChareConstructor construct, std::string chareTypeName);
  // Numbers everything registered so far (sorted by name). Idempotent.
  void freeze();
  // Registration after freeze (e.g. Python entry methods), numbered in call order.
  EntryId addDynamic(std::string name, EntryInvoker invoke, std::string chareTypeName, bool onFiber);
  EntryId addDynamicConstructor(std::string name, ChareConstructor construct,
                                std::string chareTypeName);

  const EntryInfo& entry(EntryId id) const;   // throws std::out_of_range on an unknown id
  std::size_t numEntries() const { return byId_.size(); }
  const ChareTypeInfo& chareType(std::uint32_t id) const { return *chareTypes_[id]; }

 private:
  std::uint32_t chareTypeId(const std::string& name);
  EntryInfo* add(std::unique_ptr<EntryInfo> info, const std::string& chareTypeName);
  std::mutex mutex_;  // static init is single-threaded; this guards the rare dynamic path
  bool frozen_ = false;
  std::vector<std::unique_ptr<EntryInfo>> entries_;
  std::vector<EntryInfo*> byId_;
  std::vector<std::unique_ptr<ChareTypeInfo>> chareTypes_;
};

}  // namespace charm
