// Envelope: the fixed header at the front of every runtime message. It says what
// the message is for (its kind), whom it addresses (collection, element index,
// entry method), where replies go and which broadcast/reduction it belongs to.
// The payload (packed arguments, a partial reduction, a future's value) follows
// at kPayloadOffset. Trivially copyable: it is written in place into the message
// buffer, never copied separately.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "charm/index.h"

namespace charm {

using CollectionId = std::uint64_t;  // (creator PE << 32) | creator's counter
using EntryId = std::uint32_t;
inline constexpr EntryId kNoEntry = 0xffffffffu;

enum class MessageKind : std::uint8_t {
  EntryCall,          // invoke an entry method on one element
  BroadcastRequest,   // to the broadcast root, which numbers it and sends it down
  Broadcast,          // numbered broadcast travelling down the spanning tree
  CreateCollection,   // construct this PE's elements of a new collection
  ReductionPartial,   // a partial reduction result travelling up the tree
  FutureValue,        // the value of a future owned by the receiving PE
  QuiescenceStart,    // ask PE 0 to detect quiescence and then fire a callback
  QuiescenceWave,     // QD wave travelling down the tree
  QuiescenceReply,    // QD counts travelling up the tree
  Exit,               // end the program with an exit code
  SectionBroadcastRequest,  // to a section's root, which numbers it and routes it
  SectionBroadcast,         // a numbered section broadcast for the members on one PE
  AllReducePartial,         // an allreduce partial swapped between PEs (AllReduceManager)
  MigrateElement,           // an element moving to the receiving PE, with its state
  LocationUpdate,           // where an element lives now (to its home, or a hint to a sender)
  ElementBroadcast,         // one element's copy of a collection broadcast, sent by its home
  ElementSectionBroadcast,  // one member's copy of a section broadcast, from its counting PE
  RemoteContribution,       // a contribution of an element away from the PE that counts it
  RemoteAllReduce,          // an allreduce contribution of an element away from home
  AllReduceResult,          // an allreduce result for PEs whose elements contributed remotely
  InsertElement,            // a sparse array element to construct (to its home, then where it lives)
  InsertionCount,           // ckDoneInserting: request, count gathering and publishing (reserved: phase)
  Output,                   // to PE 0: whole lines a PE printed (sequence: 1 stdout, 2 stderr)
  OutputWritten,            // from PE 0: the oldest Output batch not acknowledged yet is written
  OutputDone,               // to PE 0: an exiting PE sent its last Output
  AbortJob,                 // to PE 0: a PE aborts; its reason came before as Output (sequence: code)
  DestroyCollection,        // ckDestroy of an array: request to PE 0, then to every PE (reserved: path)
};
inline constexpr MessageKind kLastMessageKind = MessageKind::DestroyCollection;

// The kind's name, for errors about a message ("?" for a value no kind has).
constexpr const char* messageKindName(MessageKind k) {
  switch (k) {
    case MessageKind::EntryCall: return "EntryCall";
    case MessageKind::BroadcastRequest: return "BroadcastRequest";
    case MessageKind::Broadcast: return "Broadcast";
    case MessageKind::CreateCollection: return "CreateCollection";
    case MessageKind::ReductionPartial: return "ReductionPartial";
    case MessageKind::FutureValue: return "FutureValue";
    case MessageKind::QuiescenceStart: return "QuiescenceStart";
    case MessageKind::QuiescenceWave: return "QuiescenceWave";
    case MessageKind::QuiescenceReply: return "QuiescenceReply";
    case MessageKind::Exit: return "Exit";
    case MessageKind::SectionBroadcastRequest: return "SectionBroadcastRequest";
    case MessageKind::SectionBroadcast: return "SectionBroadcast";
    case MessageKind::AllReducePartial: return "AllReducePartial";
    case MessageKind::MigrateElement: return "MigrateElement";
    case MessageKind::LocationUpdate: return "LocationUpdate";
    case MessageKind::ElementBroadcast: return "ElementBroadcast";
    case MessageKind::ElementSectionBroadcast: return "ElementSectionBroadcast";
    case MessageKind::RemoteContribution: return "RemoteContribution";
    case MessageKind::RemoteAllReduce: return "RemoteAllReduce";
    case MessageKind::AllReduceResult: return "AllReduceResult";
    case MessageKind::InsertElement: return "InsertElement";
    case MessageKind::InsertionCount: return "InsertionCount";
    case MessageKind::Output: return "Output";
    case MessageKind::OutputWritten: return "OutputWritten";
    case MessageKind::OutputDone: return "OutputDone";
    case MessageKind::AbortJob: return "AbortJob";
    case MessageKind::DestroyCollection: return "DestroyCollection";
  }
  return "?";
}
// A kind added after kLastMessageKind would be refused on arrival as corrupt: the
// switch above must name every kind (-Wswitch), and this that none follows the last.
static_assert(messageKindName(static_cast<MessageKind>(static_cast<std::uint8_t>(kLastMessageKind) + 1))[0] == '?',
              "kLastMessageKind must be the last MessageKind");

// Kinds the quiescence detector does not count (they exist only to detect it, to
// end the program, or carry printed output, which is no work of the program).
constexpr bool countsForQuiescence(MessageKind k) {
  return k != MessageKind::QuiescenceStart && k != MessageKind::QuiescenceWave &&
         k != MessageKind::QuiescenceReply && k != MessageKind::Exit && k != MessageKind::Output &&
         k != MessageKind::OutputWritten && k != MessageKind::OutputDone && k != MessageKind::AbortJob;
}

// Where the value of a call goes: the future `id` owned by PE `pe`.
struct FutureRef {
  std::int32_t pe = -1;
  std::uint64_t id = 0;
  bool valid() const { return pe >= 0; }
};

struct Envelope {
  MessageKind kind = MessageKind::EntryCall;
  std::uint8_t flags = 0;
  std::uint16_t reserved = 0;        // ReductionPartial: the reduction's numbering stream
  std::int32_t sourcePe = -1;
  std::int32_t treeRoot = 0;          // root PE of the tree a Broadcast/Create travels on;
                                      // forwarded element messages: the original sender
  EntryId entry = kNoEntry;
  std::uint32_t sequence = 0;         // broadcast number, reduction number or QD wave
  CollectionId collection = 0;        // or the section (section broadcasts, section reductions)
  ArrayIndex index;                   // destination element (EntryCall)
  FutureRef reply;                    // where the return value goes, if valid
  std::uint64_t payloadSize = 0;
};
static_assert(std::is_trivially_copyable_v<Envelope>);

// Envelope flag bits the runtime uses itself on calls and broadcasts; the others
// are free for the layer that made the message.
inline constexpr std::uint8_t kRuntimeFlagBits = 0x01;

// FutureValue messages with this flag belong to futures managed outside the
// runtime's FutureTable (the embedded Python layer); the other flag bits are theirs.
inline constexpr std::uint8_t kExternalFutureFlag = 0x80;

// Payloads start at a 16-byte boundary so packed doubles (and SIMD loads over
// them) are aligned.
inline constexpr std::size_t kPayloadOffset = (sizeof(Envelope) + 15) & ~std::size_t{15};

}  // namespace charm
