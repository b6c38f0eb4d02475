// ReductionManager: this PE's part of every reduction. Elements contribute to
// numbered reductions of their collection; a PE combines the contributions of
// its local elements with one partial from each child (in the spanning tree of
// PEs rooted at PE 0) whose subtree holds elements, and sends the combination to
// its parent. Every partial carries the number of contributions folded into it;
// the root completes when that count equals the collection's size and fires the
// callback with the result. Several reductions per collection may be in flight.
#pragma once

#include <cstdint>

#include "runtime/callback.h"
#include "runtime/collection.h"
#include "runtime/message.h"
#include "runtime/reducer.h"

namespace charm {

class Runtime;

class ReductionManager {
 public:
  explicit ReductionManager(Runtime& runtime) : runtime_(runtime) {}

  // Called when `collection` is created on this PE.
  void collectionCreated(Collection& collection);
  // A local element's contribution to reduction `number`.
  void contribute(Collection& collection, std::uint32_t number, ReductionValue value,
                  const Callback& callback);
  // A child's ReductionPartial message.
  void handlePartial(Collection& collection, MessageBuffer& message);

 private:
  void fold(PendingReduction& pending, ReductionValue&& value, const Callback& callback,
            bool hasCallback);
  void tryForward(Collection& collection, std::uint32_t number);

  Runtime& runtime_;
};

}  // namespace charm
