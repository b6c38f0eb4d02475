// ReductionManager: this PE's part of every reduction. A reduction runs over a
// scope, a collection or a section: members contribute to numbered reductions of
// the scope; a PE combines the contributions of its local members with one partial
// from each child in the scope's spanning tree (collections: the tree of all PEs
// rooted at 0, children whose subtree holds elements; a singleton chare: its home
// PE alone; sections: the tree of the member PEs rooted at the section's root)
// and sends the combination to its parent (a sparse array: only once ckDoneInserting counted its elements; until
// then contributions and partials wait here). Every partial carries the number of contributions folded into it; the
// root completes when that count equals the scope's size and fires the callback.
// Two numbering streams per scope keep user reductions apart from the reductions
// that gather the replies of broadcasts (numbered by the broadcast), so neither
// can take the other's number. Several reductions per scope may be in flight.
#pragma once

#include <cstdint>
#include <map>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "charm/callback.h"
#include "runtime/collection.h"
#include "charm/detail/message.h"
#include "charm/reducer.h"
#include "charm/section.h"

namespace charm {

class Runtime;

enum class ReductionStream : std::uint8_t {
  Contributions = 0,     // contribute()/reduce()/allreduce(), numbered per member
  BroadcastReplies = 1,  // replies to a broadcast with a future, numbered by the broadcast
  LoadBalancerSync = 2,  // AtSync() calls, numbered per member
};

class ReductionManager {
 public:
  explicit ReductionManager(Runtime& runtime) : runtime_(runtime) {}

  // Called when `collection` is created on this PE.
  void collectionCreated(Collection& collection);
  // A sparse array's element counts became known (ckDoneInserting): the
  // contributions and partials that waited for them go on.
  void collectionSized(Collection& collection);
  // A local member's contribution to reduction `number` of `scope` (a collection
  // or a section this PE knows).
  void contribute(std::uint64_t scope, ReductionStream stream, std::uint32_t number,
                  ReductionValue value, const Callback& callback);
  // A child's ReductionPartial. False when it is for a collection not created on
  // this PE yet (the caller keeps it); partials of sections not known yet wait in
  // the runtime's PendingMessages until the section is added.
  bool handlePartial(MessageBuffer& message);
  // Whether a reduction over `scope` has contributions or partials on this PE
  // that have not gone on yet (ckDestroy refuses to lose them).
  bool hasPending(std::uint64_t scope) const;

  // What a ReductionPartial's payload carries (packed in this order by the child
  // that sends it). Reads only within [data, data + size): throws PupError on
  // bytes that are not a partial (the decoder the fuzz tests feed).
  struct PartialPayload {
    bool hasCallback = false;
    Callback callback;
    ReductionValue value;
  };
  static PartialPayload decodePartial(const std::byte* data, std::size_t size);

 private:
  struct Pending {
    ReductionValue value = ReductionValue::identity(ReducerKind::Nop);
    bool hasValue = false;
    std::uint64_t localContributions = 0;
    int childPartials = 0;
    Callback callback;
    bool hasCallback = false;
  };
  using Key = std::tuple<std::uint64_t, std::uint8_t, std::uint32_t>;  // scope, stream, number
  // The scope as this PE sees it; false when the scope is not known here yet.
  struct Shape {
    std::uint64_t localMembers = 0;
    int expectedChildren = 0;
    int parent = -1;  // -1 at the root
    std::uint64_t total = 0;
    bool sized = true;  // false: a sparse array still being filled; everything waits
  };
  bool shapeOf(std::uint64_t scope, Shape& shape);
  void fold(Pending& pending, ReductionValue&& value, const Callback& callback, bool hasCallback);
  void tryForward(const Key& key);

  Runtime& runtime_;
  std::map<Key, Pending> pending_;
};

}  // namespace charm
