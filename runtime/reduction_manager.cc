#include "runtime/reduction_manager.h"

#include <cstring>

#include "runtime/runtime.h"

namespace charm {

void ReductionManager::collectionCreated(Collection& collection) {
  const SpanningTree tree = runtime_.tree(0);
  const int me = runtime_.myPe();
  // Count the children whose subtree holds at least one element: exactly those
  // send a partial for every reduction.
  int expected = 0;
  std::vector<int> stack;
  for (int i = 0; i < tree.numChildren(me); ++i) {
    std::uint64_t inSubtree = 0;
    stack.assign(1, tree.child(me, i));
    while (!stack.empty() && inSubtree == 0) {
      const int pe = stack.back();
      stack.pop_back();
      inSubtree += collection.elementsOnPe(pe);
      for (int j = 0; j < tree.numChildren(pe); ++j) stack.push_back(tree.child(pe, j));
    }
    if (inSubtree > 0) ++expected;
  }
  collection.expectedChildPartials = expected;
}

void ReductionManager::fold(PendingReduction& pending, ReductionValue&& value,
                            const Callback& callback, bool hasCallback) {
  if (!pending.hasValue) {
    pending.value = std::move(value);
    pending.hasValue = true;
  } else {
    pending.value.combine(value);
  }
  if (hasCallback && !pending.hasCallback) {
    pending.callback = callback;
    pending.hasCallback = true;
  }
}

void ReductionManager::contribute(Collection& collection, std::uint32_t number,
                                  ReductionValue value, const Callback& callback) {
  PendingReduction& pending = collection.reductions[number];
  if (pending.hasCallback && !(pending.callback == callback))
    throw std::invalid_argument(
        "charm: elements of one collection contributed to reduction " + std::to_string(number) +
        " with different callbacks; every element must name the same callback");
  fold(pending, std::move(value), callback, true);
  ++pending.localContributions;
  tryForward(collection, number);
}

void ReductionManager::handlePartial(Collection& collection, MessageBuffer& message) {
  const std::uint32_t number = envelopeOf(message).sequence;
  Pup p = Pup::unpacker(payloadOf(message), payloadSizeOf(message));
  bool hasCallback = false;
  Callback callback;
  ReductionValue value;
  p | hasCallback;
  p | callback;
  p | value;
  PendingReduction& pending = collection.reductions[number];
  fold(pending, std::move(value), callback, hasCallback);
  ++pending.childPartials;
  tryForward(collection, number);
}

void ReductionManager::tryForward(Collection& collection, std::uint32_t number) {
  const int me = runtime_.myPe();
  auto it = collection.reductions.find(number);
  PendingReduction& pending = it->second;
  if (pending.localContributions < collection.elementsOnPe(me) ||
      pending.childPartials < collection.expectedChildPartials)
    return;
  if (me != 0) {
    const std::size_t size = packedSize(pending.hasCallback, pending.callback, pending.value);
    MessageBuffer m = newMessage(MessageKind::ReductionPartial, size);
    Envelope& env = envelopeOf(m);
    env.collection = collection.id();
    env.sequence = number;
    packInto(payloadOf(m), size, pending.hasCallback, pending.callback, pending.value);
    collection.reductions.erase(it);
    runtime_.send(runtime_.tree(0).parent(me), std::move(m));
    return;
  }
  if (pending.value.contributions() < collection.totalElements()) return;  // stragglers to come
  std::vector<std::byte> result = pending.value.resultBytes();
  if (const std::string& tag = pending.value.tag(); !tag.empty()) {
    // Tagged values (the Python layer's) reach their callback as [u64 tag length][tag][result].
    std::vector<std::byte> framed(sizeof(std::uint64_t) + tag.size() + result.size());
    const std::uint64_t length = tag.size();
    std::memcpy(framed.data(), &length, sizeof length);
    std::memcpy(framed.data() + sizeof length, tag.data(), tag.size());
    if (!result.empty()) std::memcpy(framed.data() + sizeof length + tag.size(), result.data(), result.size());
    result = std::move(framed);
  }
  const Callback callback = pending.callback;
  collection.reductions.erase(it);
  runtime_.fire(callback, result.data(), result.size());
}

}  // namespace charm
