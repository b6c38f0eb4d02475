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

bool ReductionManager::hasPending(std::uint64_t scope) const {
  auto it = pending_.lower_bound(Key{scope, 0, 0});
  if (it != pending_.end() && std::get<0>(it->first) == scope) return true;
  return runtime_.pending().holds(PendingMessages::section(scope));
}

void ReductionManager::collectionSized(Collection& collection) {
  collectionCreated(collection);  // the children whose subtree holds elements, now known
  const std::uint64_t id = collection.id();
  std::vector<Key> keys;
  for (auto it = pending_.lower_bound(Key{id, 0, 0}); it != pending_.end() && std::get<0>(it->first) == id; ++it)
    keys.push_back(it->first);
  for (const Key& key : keys)
    if (pending_.count(key)) tryForward(key);
}

bool ReductionManager::shapeOf(std::uint64_t scope, Shape& shape) {
  const int me = runtime_.myPe();
  if (isSectionId(scope)) {
    const SectionInfo* s = runtime_.sections().find(scope);
    if (!s) return false;
    shape = Shape{s->localMembers(), s->numChildren(), s->parentPe(), s->size()};
    return true;
  }
  const Collection* c = runtime_.collections().find(scope);
  if (!c) return false;
  if (c->kind() == CollectionKind::Singleton) {  // reduces alone, rooted at its home PE
    shape = Shape{1, 0, -1, 1, true};
    return true;
  }
  shape = Shape{c->elementsOnPe(me), c->expectedChildPartials, runtime_.tree(0).parent(me),
                c->totalElements(), c->sizeKnown()};
  return true;
}

void ReductionManager::fold(Pending& pending, ReductionValue&& value, const Callback& callback,
                            bool hasCallback) {
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

void ReductionManager::contribute(std::uint64_t scope, ReductionStream stream, std::uint32_t number,
                                  ReductionValue value, const Callback& callback) {
  const Key key{scope, static_cast<std::uint8_t>(stream), number};
  Pending& pending = pending_[key];
  if (pending.hasCallback && !(pending.callback == callback)) {
    // Data of different kinds (e.g. numbers combined here and data the embedding
    // layer combines at the root) come with different callbacks: naming the data
    // says more. combine() throws for values of different reducers.
    if (pending.hasValue && !pending.value.empty() && !value.empty() && pending.value.kind() != value.kind())
      pending.value.combine(value);
    throw std::invalid_argument(
        "charm: members of one " + std::string(isSectionId(scope) ? "section" : "collection") +
        " contributed to reduction " + std::to_string(number) +
        " with different callbacks; every member must name the same callback");
  }
  fold(pending, std::move(value), callback, true);
  ++pending.localContributions;
  tryForward(key);
}

ReductionManager::PartialPayload ReductionManager::decodePartial(const std::byte* data, std::size_t size) {
  PartialPayload partial;
  Pup p = Pup::unpacker(data, size);
  p | partial.hasCallback;
  p | partial.callback;
  p | partial.value;
  return partial;
}

bool ReductionManager::handlePartial(MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  const std::uint64_t scope = env.collection;
  Shape shape;
  if (!shapeOf(scope, shape)) {
    if (!isSectionId(scope)) return false;
    runtime_.pending().hold(PendingMessages::section(scope), std::move(message));
    return true;
  }
  const Key key{scope, static_cast<std::uint8_t>(env.reductionStream()), env.reductionNumber()};
  PartialPayload partial = decodePartial(payloadOf(message), payloadSizeOf(message));
  Pending& pending = pending_[key];
  fold(pending, std::move(partial.value), partial.callback, partial.hasCallback);
  ++pending.childPartials;
  tryForward(key);
  return true;
}

void ReductionManager::tryForward(const Key& key) {
  Shape shape;
  if (!shapeOf(std::get<0>(key), shape))
    throw std::logic_error("charm: a contribution to a reduction over a scope this PE does not know");
  auto it = pending_.find(key);
  Pending& pending = it->second;
  if (!shape.sized) return;  // collectionSized() tries again
  if (pending.localContributions < shape.localMembers || pending.childPartials < shape.expectedChildren)
    return;
  if (shape.parent >= 0) {
    const std::size_t size = packedSize(pending.hasCallback, pending.callback, pending.value);
    MessageBuffer m = newMessage(MessageKind::ReductionPartial, size);
    Envelope& env = envelopeOf(m);
    env.collection = std::get<0>(key);
    env.setReductionStream(std::get<1>(key));
    env.setReductionNumber(std::get<2>(key));
    packInto(payloadOf(m), size, pending.hasCallback, pending.callback, pending.value);
    pending_.erase(it);
    runtime_.send(shape.parent, std::move(m));
    return;
  }
  if (pending.value.contributions() < shape.total) return;  // stragglers to come
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
  pending_.erase(it);
  runtime_.fire(callback, result.data(), result.size());
}

}  // namespace charm
