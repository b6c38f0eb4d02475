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
  InsertionCount,           // ckDoneInserting: request, count gathering and publishing (insertionPhase)
  Output,                   // to PE 0: whole lines a PE printed (outputStream)
  OutputWritten,            // from PE 0: the oldest Output batch not acknowledged yet is written
  OutputDone,               // to PE 0: an exiting PE sent its last Output
  AbortJob,                 // to PE 0: a PE aborts; its reason came before as Output (exitCode)
  DestroyCollection,        // ckDestroy of an array: request to PE 0, then to every PE (destroyPath)
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

// Three fields hold what the message's kind needs and are named for their shape
// only (kindCode, kindPe, kindNumber): read and write them through the accessors
// named for what they hold on that kind. The flag bits are in envelope_flags.h.
struct Envelope {
  MessageKind kind = MessageKind::EntryCall;
  std::uint8_t flags = 0;             // per kind: the table in envelope_flags.h
  std::uint16_t kindCode = 0;         // per kind: see the accessors below
  std::int32_t sourcePe = -1;
  std::int32_t kindPe = 0;            // per kind: see the accessors below
  EntryId entry = kNoEntry;
  std::uint32_t kindNumber = 0;       // per kind: see the accessors below
  CollectionId collection = 0;        // or the section (section broadcasts, section reductions)
  ArrayIndex index;                   // destination element (EntryCall)
  FutureRef reply;                    // where the return value goes, if valid
  std::uint64_t payloadSize = 0;

  // kindCode
  // ReductionPartial, RemoteContribution: the reduction's numbering stream (a ReductionStream).
  std::uint16_t reductionStream() const { return kindCode; }
  void setReductionStream(std::uint16_t s) { kindCode = s; }
  // InsertionCount: the phase of the count (runtime_insertion.cc).
  std::uint16_t insertionPhase() const { return kindCode; }
  void setInsertionPhase(std::uint16_t p) { kindCode = p; }
  // DestroyCollection: the path of the destruction (runtime_destroy.cc).
  std::uint16_t destroyPath() const { return kindCode; }
  void setDestroyPath(std::uint16_t p) { kindCode = p; }
  // LocationUpdate: an element's arrival reported to its home, or a hint (runtime_migration.cc).
  std::uint16_t locationUpdateKind() const { return kindCode; }
  void setLocationUpdateKind(std::uint16_t k) { kindCode = k; }

  // kindPe
  // Broadcast, CreateCollection (and InsertionCount, DestroyCollection: 0): the root
  // PE of the spanning tree the message travels down.
  int treeRoot() const { return kindPe; }
  void setTreeRoot(int pe) { kindPe = pe; }
  // EntryCall, ElementBroadcast, ElementSectionBroadcast with kForwardedToElement:
  // the PE that first sent it, to be told where the element is.
  int originalSender() const { return kindPe; }
  void setOriginalSender(int pe) { kindPe = pe; }
  // InsertElement: the PE the element is to live on (-1: its home).
  int insertOnPe() const { return kindPe; }
  void setInsertOnPe(int pe) { kindPe = pe; }

  // kindNumber
  // Broadcast, ElementBroadcast, SectionBroadcast, ElementSectionBroadcast: the
  // broadcast's number in its collection's or section's order (0 on EntryCall).
  std::uint32_t broadcastNumber() const { return kindNumber; }
  void setBroadcastNumber(std::uint32_t n) { kindNumber = n; }
  // ReductionPartial, RemoteContribution, AllReducePartial, RemoteAllReduce,
  // AllReduceResult: the reduction's number (in its stream).
  std::uint32_t reductionNumber() const { return kindNumber; }
  void setReductionNumber(std::uint32_t n) { kindNumber = n; }
  // QuiescenceWave, QuiescenceReply: the detection wave's number.
  std::uint32_t quiescenceWave() const { return kindNumber; }
  void setQuiescenceWave(std::uint32_t n) { kindNumber = n; }
  // Exit, AbortJob: the program's exit code.
  int exitCode() const { return static_cast<int>(kindNumber); }
  void setExitCode(int code) { kindNumber = static_cast<std::uint32_t>(code); }
  // Output: the stream the lines go to (OutputStream: 1 stdout, 2 stderr).
  std::uint32_t outputStream() const { return kindNumber; }
  void setOutputStream(std::uint32_t s) { kindNumber = s; }
  // LocationUpdate: the PE the element lives on (checked against the PE count on arrival).
  std::uint32_t locationPe() const { return kindNumber; }
  void setLocationPe(std::uint32_t pe) { kindNumber = pe; }
  // InsertElement with kPlacedByHome: the first broadcast the new element takes.
  std::uint32_t firstBroadcast() const { return kindNumber; }
  void setFirstBroadcast(std::uint32_t n) { kindNumber = n; }
};
static_assert(std::is_trivially_copyable_v<Envelope> && std::is_standard_layout_v<Envelope>);
// The wire layout (no message format change when fields are renamed).
static_assert(sizeof(Envelope) == 88);
static_assert(offsetof(Envelope, kind) == 0 && offsetof(Envelope, flags) == 1 && offsetof(Envelope, kindCode) == 2 &&
              offsetof(Envelope, sourcePe) == 4 && offsetof(Envelope, kindPe) == 8 && offsetof(Envelope, entry) == 12 &&
              offsetof(Envelope, kindNumber) == 16 && offsetof(Envelope, collection) == 24 &&
              offsetof(Envelope, index) == 32 && offsetof(Envelope, reply) == 64 &&
              offsetof(Envelope, payloadSize) == 80);

// Payloads start at a 16-byte boundary so packed doubles (and SIMD loads over
// them) are aligned.
inline constexpr std::size_t kPayloadOffset = (sizeof(Envelope) + 15) & ~std::size_t{15};

}  // namespace charm
