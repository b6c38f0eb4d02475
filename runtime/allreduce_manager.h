// AllReduceManager: this PE's part of every allreduce, i.e. every numeric or
// empty reduction whose callback is Callback::toAllElements (the result goes
// back to every element of the contributing collection).
//
// Instead of up the spanning tree to PE 0 and down again, the PEs that hold
// elements of the collection (the "participants", numbered in PE order) each
// combine their local contributions and then swap partials pairwise along a
// charm::Butterfly: every participant ends with the whole result after log2(n)
// exchanges, both directions of an exchange in flight at once. Each PE then hands
// the result to its own elements. PEs without elements take no part.
//
// Copies: a partial lives in one message buffer laid out as [Envelope][Header]
// [values]. The first local contribution is copied into it (the caller's memory
// is the caller's); the others are combined straight from the caller's memory.
// Large partials go to the partner as an external tail of the buffer (no copy);
// the partner's partial is combined into the buffer it arrived in, which becomes
// the next partial, and the final one is the result handed to the elements.
//
// Both sides of an exchange combine "lower participant's values first", so all
// PEs end with the same bits even where the reducer is sensitive to operand order.
// Reductions are numbered per element like every reduction (several may be in
// flight); a partial that arrives early waits in its reduction's slot.
//
// Which PEs take part and how many contributions each waits for come from the
// collection's map (Collection::elementsOnPe): a PE counts the elements it is
// home to. An element that moved away sends its contribution to its home
// (contributeRemote), which sends the result back to the PE it contributed from.
// A sparse array has no counts until ckDoneInserting: its contributions wait in
// their slots until then (collectionSized).
//
// Markers: an element whose allreduce data is combined elsewhere (the embedded
// layer's Python data, reduced up the tree) contributes a Nop with a form (the
// data in words; ChareInternals::contributeAllReduceMarker) under the same number.
// Markers agree with each other, and the exchange of markers alone ends with a
// result nobody waits for; a marker meeting numbers or an empty contribution is
// a mismatch, so a reduction whose elements took both ways ends the job naming
// both instead of leaving each half waiting for the other. A marker partial
// carries its words as its values (other PEs quote them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/butterfly.h"
#include "charm/callback.h"
#include "runtime/collection.h"
#include "runtime/envelope_flags.h"
#include "charm/detail/message.h"
#include "charm/reducer.h"

namespace charm {

class Runtime;

// The fixed part of an allreduce message's payload, followed by the values. The
// values start 16-byte aligned; `length` sits right before them, so for a vector
// [length][values] is exactly the ReductionValue::resultBytes() encoding.
struct AllReduceHeader {
  ReducerKind kind = ReducerKind::Nop;
  ValueType type = ValueType::None;
  std::uint8_t shape = 0;  // ReductionValue::Shape
  std::uint8_t step = 0;   // the Butterfly step this partial is sent at
  std::uint32_t reserved = 0;
  std::uint64_t contributions = 0;  // elements folded in so far
  std::uint64_t formDigest = 0;     // formDigest(NumericSpan::form): partials must agree
  std::uint64_t length = 0;  // values (1 for a scalar, 0 for Nop)
};
static_assert(sizeof(AllReduceHeader) == 32);
inline constexpr std::size_t kAllReduceValuesOffset = kPayloadOffset + sizeof(AllReduceHeader);

class AllReduceManager {
 public:
  explicit AllReduceManager(Runtime& runtime) : runtime_(runtime) {}

  // A finished allreduce on this PE. The result bytes [data, data + size) are
  // resultBytes()-encoded and live in `message` (owned, may be adopted) or, while
  // a copy is still being sent from it to another PE, in `shared` (read only).
  struct Result {
    CollectionId collection = 0;
    std::uint32_t number = 0;
    Callback callback;
    NumericSpan value;  // kind, type, shape and length of the result
    MessageBuffer message;
    std::shared_ptr<const MessageBuffer> shared;
    const std::byte* data = nullptr;
    std::size_t size = 0;
    // Sent by the home PE of elements that contributed from here while away
    // from home: this PE may already have handed the same result to them.
    bool forwarded = false;
  };

  // A local element's contribution to its reduction number `next` of
  // `collection`, read from the caller's memory during the call only. Advances
  // `next` once the contribution is accepted, before the result may be delivered
  // (which may run the same element, contributing again). Throws
  // std::invalid_argument, changing nothing, when it does not match earlier
  // contributions (reducer, form, type, shape, length, callback) or is not
  // numeric/Nop.
  void contribute(Collection& collection, std::uint32_t& next, const NumericSpan& value,
                  const Callback& callback);
  // An AllReducePartial message from another participant.
  void handlePartial(Collection& collection, MessageBuffer& message);
  // The contribution of element `index`, which lives on `fromPe`, away from its
  // home (this PE), to its reduction `number`. The result goes back to it.
  void contributeRemote(Collection& collection, std::uint32_t number, const NumericSpan& value,
                        const Callback& callback, int fromPe, const ArrayIndex& index);
  // A sparse array's element counts became known (ckDoneInserting): drops the
  // cached plan and lets the allreduces that waited for the counts go on.
  void collectionSized(Collection& collection);
  // Whether an allreduce over `collection` is in flight on this PE.
  bool hasPending(CollectionId collection) const;
  // `collection` was destroyed (ckDestroy): forget what is kept for it.
  void collectionDestroyed(CollectionId collection) { plans_.erase(collection); }
  // An AllReduceResult message: the result for elements of this PE that
  // contributed away from home (handed to the external handler).
  void handleForwardedResult(MessageBuffer message);

  // Partials with more value bytes than this are sent from their buffer as an
  // external tail (two MPI messages, no copy); smaller ones as one copied message.
  static constexpr std::size_t kZeroCopyBytes = 16 * 1024;

 private:
  // Which participant this PE is in one collection (computed once per collection).
  struct Plan {
    int participants = 0;
    int rank = -1;
    std::vector<int> peOfRank;  // empty when every PE participates (rank == PE)
    int pe(int rank) const { return peOfRank.empty() ? rank : peOfRank[static_cast<std::size_t>(rank)]; }
  };
  // One allreduce in flight on this PE. Slots are reused, so steady state
  // allocates nothing here.
  struct Pending {
    bool inUse = false;
    CollectionId collection = 0;
    std::uint32_t number = 0;
    Callback callback;
    bool hasCallback = false;
    std::uint64_t localContributions = 0;
    MessageBuffer acc;  // the partial: [Envelope][AllReduceHeader][values]; empty before data
    std::shared_ptr<MessageBuffer> sending;  // acc while it is sent from (external tail)
    int step = -1;          // -1: local contributions outstanding; else the next Butterfly step
    bool sentAtStep = false;
    std::vector<MessageBuffer> early;  // partials received per step, not yet combined
    // Elements that contributed away from home: where they were, and which.
    std::vector<std::pair<int, ArrayIndex>> remote;
    std::string form;  // of this PE's contributions, for error messages
  };

  const Plan& planOf(const Collection& collection);
  Pending& slot(CollectionId collection, std::uint32_t number);
  // The current partial's bytes (in acc, or in `sending` while it is sent from).
  static std::byte* partialOf(Pending& p) { return p.sending ? p.sending->data() : p.acc.data(); }
  void startPartial(Pending& p, const Collection& collection, const NumericSpan& value);
  void advance(Collection& collection, Pending& p);
  void sendPartial(Pending& p, int pe, int step);
  // Combines received partial `m` with ours into `m`, which becomes ours.
  void absorb(Pending& p, MessageBuffer m, bool theirsFirst);
  void finish(Collection& collection, Pending& p);
  void sendToRemoteContributors(const Result& r, const std::vector<std::pair<int, ArrayIndex>>& remote);
  void deliver(Result& result, const std::vector<std::pair<int, ArrayIndex>>& remote);

  Runtime& runtime_;
  std::unordered_map<CollectionId, Plan> plans_;
  std::vector<std::unique_ptr<Pending>> pending_;
};

}  // namespace charm
