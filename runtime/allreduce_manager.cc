#include "runtime/allreduce_manager.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "runtime/registry.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {

AllReduceHeader& headerAt(std::byte* message) {
  return *std::launder(reinterpret_cast<AllReduceHeader*>(message + kPayloadOffset));
}

std::size_t valueBytesOf(const AllReduceHeader& h) {
  return static_cast<std::size_t>(h.length) * valueTypeSize(h.type);
}

std::string describe(ReducerKind kind, ValueType type, std::uint8_t shape, std::uint64_t length,
                     std::string_view form = {}) {
  if (!form.empty()) return std::string(form);  // the embedding layer's words for it
  std::string s = reducerKindName(kind);
  if (kind == ReducerKind::Nop) return s + " (no data)";
  s += std::string(" of ") + valueTypeName(type);
  if (shape != static_cast<std::uint8_t>(ReductionValue::Shape::Scalar))
    s += "[" + std::to_string(length) + "]";
  return s;
}

// A Nop contribution with a form is a marker for data combined elsewhere (see
// AllReduceManager::contribute): every marker has this digest, whatever its
// words, so markers agree with each other and with nothing else.
constexpr std::uint64_t kMarkerDigest = 1;

std::uint64_t digestOf(const NumericSpan& v) {
  if (v.kind == ReducerKind::Nop) return v.form.empty() ? 0 : kMarkerDigest;
  return formDigest(v.form);
}

bool isMarker(const AllReduceHeader& h) { return h.kind == ReducerKind::Nop && h.formDigest == kMarkerDigest; }

bool sameShape(const AllReduceHeader& h, const NumericSpan& v) {
  if (h.kind == ReducerKind::Nop) return v.kind == ReducerKind::Nop && h.formDigest == digestOf(v);
  return h.kind == v.kind && h.type == v.type && h.shape == v.shape && h.length == v.length &&
         h.formDigest == formDigest(v.form);
}

// sameShape(h, v) when v's form is the words whose digest h carries (this PE's
// first contribution's): no need to hash them again.
bool sameShapeSameWords(const AllReduceHeader& h, const NumericSpan& v) {
  if (h.kind == ReducerKind::Nop) return sameShape(h, v);
  return h.kind == v.kind && h.type == v.type && h.shape == v.shape && h.length == v.length;
}

bool sameShape(const AllReduceHeader& a, const AllReduceHeader& b) {
  if (a.kind == ReducerKind::Nop) return b.kind == ReducerKind::Nop && a.formDigest == b.formDigest;
  return a.kind == b.kind && a.type == b.type && a.shape == b.shape && a.length == b.length &&
         a.formDigest == b.formDigest;
}

// A partial in words: a marker carries its words as its values.
std::string describePartial(const std::byte* message) {
  const AllReduceHeader& h = *std::launder(reinterpret_cast<const AllReduceHeader*>(message + kPayloadOffset));
  if (isMarker(h))
    return std::string(reinterpret_cast<const char*>(message + kAllReduceValuesOffset),
                       static_cast<std::size_t>(h.length));
  return describe(h.kind, h.type, h.shape, h.length);
}

[[noreturn]] void throwMismatch(std::uint32_t number, const std::string& had, const std::string& got) {
  throw std::invalid_argument("charm: allreduce " + std::to_string(number) + " combines " + had +
                              " with " + got +
                              "; every element must contribute the same reducer and the same "
                              "type and shape of data");
}

}  // namespace

const AllReduceManager::Plan& AllReduceManager::planOf(const Collection& collection) {
  auto [it, inserted] = plans_.try_emplace(collection.id());
  if (!inserted) return it->second;
  Plan& plan = it->second;
  const int n = runtime_.numPes();
  const int me = runtime_.myPe();
  bool everyPe = true;
  for (int pe = 0; pe < n && everyPe; ++pe) everyPe = collection.elementsOnPe(pe) > 0;
  if (everyPe) {
    plan.participants = n;
    plan.rank = me;
    return plan;
  }
  for (int pe = 0; pe < n; ++pe) {
    if (collection.elementsOnPe(pe) == 0) continue;
    if (pe == me) plan.rank = static_cast<int>(plan.peOfRank.size());
    plan.peOfRank.push_back(pe);
  }
  plan.participants = static_cast<int>(plan.peOfRank.size());
  return plan;
}

AllReduceManager::Pending& AllReduceManager::slot(CollectionId collection, std::uint32_t number) {
  Pending* free = nullptr;
  for (auto& p : pending_) {
    if (p->inUse && p->collection == collection && p->number == number) return *p;
    if (!p->inUse && !free) free = p.get();
  }
  if (!free) free = pending_.emplace_back(std::make_unique<Pending>()).get();
  Pending& p = *free;
  p.inUse = true;
  p.collection = collection;
  p.number = number;
  p.callback = Callback{};
  p.hasCallback = false;
  p.localContributions = 0;
  p.step = -1;
  p.sentAtStep = false;
  p.remote.clear();
  return p;
}

void AllReduceManager::contributeRemote(Collection& collection, std::uint32_t number, const NumericSpan& value,
                                        const Callback& callback, int fromPe, const ArrayIndex& index) {
  // Recorded first: the contribution may complete the allreduce right away.
  slot(collection.id(), number).remote.emplace_back(fromPe, index);
  std::uint32_t next = number;
  try {
    contribute(collection, next, value, callback);
  } catch (...) {
    for (auto& p : pending_)
      if (p->inUse && p->collection == collection.id() && p->number == number && !p->remote.empty())
        p->remote.pop_back();
    throw;
  }
}

bool AllReduceManager::hasPending(CollectionId collection) const {
  for (const auto& p : pending_)
    if (p->inUse && p->collection == collection) return true;
  return false;
}

void AllReduceManager::collectionSized(Collection& collection) {
  plans_.erase(collection.id());
  const std::uint64_t local = collection.elementsOnPe(runtime_.myPe());
  std::vector<std::uint32_t> ready;
  for (auto& p : pending_)
    if (p->inUse && p->collection == collection.id() && p->step < 0 && p->localContributions > 0)
      ready.push_back(p->number);
  // In number order, as the elements contributed them. Delivering a result may
  // start (and reuse the slots of) later allreduces: look each one up afresh.
  std::sort(ready.begin(), ready.end());
  for (std::uint32_t number : ready) {
    for (auto& p : pending_) {
      if (!p->inUse || p->collection != collection.id() || p->number != number) continue;
      if (p->step < 0 && p->localContributions == local) {
        p->step = 0;
        advance(collection, *p);
      }
      break;
    }
  }
}

void AllReduceManager::handleForwardedResult(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  Result r;
  r.collection = env.collection;
  r.number = env.reductionNumber();
  ForwardedAllReduce forwarded = readForwardedAllReduce(payloadOf(message), payloadSizeOf(message));
  NumericSpan value = forwarded.value;
  r.callback = forwarded.callback;
  const std::size_t header = forwarded.header;
  r.data = payloadOf(message) + header;
  r.size = payloadSizeOf(message) - header;
  const bool counted = value.kind != ReducerKind::Nop &&
                       value.shape == static_cast<std::uint8_t>(ReductionValue::Shape::Vector);
  value.data = const_cast<std::byte*>(r.data) + (counted ? sizeof(std::uint64_t) : 0);
  r.value = value;
  r.forwarded = true;
  r.message = std::move(message);
  if (EmbeddingHooks* embedding = runtime_.embeddingHooks()) embedding->deliverExternalAllReduce(r);
}

void AllReduceManager::contribute(Collection& collection, std::uint32_t& next,
                                  const NumericSpan& value, const Callback& callback) {
  const std::uint32_t number = next;
  if (callback.kind() != Callback::Kind::AllElements || callback.collection() != collection.id())
    throw std::invalid_argument(
        "charm: an allreduce callback (Callback::toAllElements) must name the contributing "
        "collection");
  const bool numeric = isNumericReducer(value.kind);
  if (!numeric && value.kind != ReducerKind::Nop)
    throw std::invalid_argument(std::string("charm: allreduce takes numeric reducers (sum, product, "
                                            "min, max, logical_*) or none, not ") +
                                reducerKindName(value.kind) +
                                "; use a callback to a future or a broadcast instead");
  if (numeric && (value.type == ValueType::None || value.type > ValueType::Double ||
                  value.shape > static_cast<std::uint8_t>(ReductionValue::Shape::FixedArray) ||
                  (value.shape == static_cast<std::uint8_t>(ReductionValue::Shape::Scalar) &&
                   value.length != 1) ||
                  (value.length > 0 && value.data == nullptr)))
    throw std::invalid_argument("charm: allreduce of a malformed numeric value (" +
                                describe(value.kind, value.type, value.shape, value.length) + ")");
  if (collection.sizeKnown() && planOf(collection).rank < 0)  // a sparse array's plan waits for its counts
    throw std::logic_error("charm: allreduce contribution on a PE holding no element");

  Pending& p = slot(collection.id(), number);
  const bool fresh = !p.hasCallback && !p.acc && p.early.empty();
  auto refuse = [&](const std::string& why) {
    if (fresh) p.inUse = false;  // leave no trace of a refused contribution
    throw std::invalid_argument(why);
  };
  if (p.hasCallback && !(p.callback == callback))
    refuse("charm: elements of one collection contributed to allreduce " + std::to_string(number) +
           " with different callbacks; every element must name the same callback");
  if (p.acc) {
    const AllReduceHeader& h = headerAt(p.acc.data());
    // p.form: the words of this PE's first contribution, whose digest h carries
    // (partials of other PEs are combined only once all local ones are in).
    if (!(value.form == p.form ? sameShapeSameWords(h, value) : sameShape(h, value)))
      refuse("charm: allreduce " + std::to_string(number) + " combines " +
             describe(h.kind, h.type, h.shape, h.length, p.form) + " with " +
             describe(value.kind, value.type, value.shape, value.length, value.form) +
             "; every element must contribute the same reducer and the same type and shape of "
             "data");
  }

  ++next;  // accepted
  if (!p.acc) {
    startPartial(p, collection, value);
  } else {
    AllReduceHeader& h = headerAt(p.acc.data());
    // Straight from the contributor's memory: no copy of a second contribution.
    combineNumericRaw(h.kind, h.type, p.acc.data() + kAllReduceValuesOffset,
                      static_cast<const std::byte*>(value.data), static_cast<std::size_t>(h.length),
                      false);
    ++h.contributions;
  }
  p.callback = callback;
  p.hasCallback = true;
  if (++p.localContributions == collection.elementsOnPe(runtime_.myPe()) && collection.sizeKnown()) {
    p.step = 0;
    advance(collection, p);
  }
}

void AllReduceManager::startPartial(Pending& p, const Collection& collection, const NumericSpan& value) {
  // A marker's words travel as its values, for the other PEs' error messages.
  const bool marker = digestOf(value) == kMarkerDigest && value.kind == ReducerKind::Nop;
  const std::size_t bytes =
      marker ? value.form.size() : static_cast<std::size_t>(value.length) * valueTypeSize(value.type);
  p.acc = newMessage(MessageKind::AllReducePartial, sizeof(AllReduceHeader) + bytes);
  Envelope& env = envelopeOf(p.acc);
  env.collection = collection.id();
  env.setReductionNumber(p.number);
  AllReduceHeader* h = new (p.acc.data() + kPayloadOffset) AllReduceHeader{};
  h->kind = value.kind;
  h->type = marker ? ValueType::UInt8 : value.type;
  h->shape = marker ? static_cast<std::uint8_t>(ReductionValue::Shape::Vector) : value.shape;
  h->length = marker ? value.form.size() : value.length;
  h->contributions = 1;
  h->formDigest = digestOf(value);
  p.form.assign(value.form);
  std::byte* values = p.acc.data() + kAllReduceValuesOffset;
  // The one copy: the data is the caller's.
  if (bytes) std::memcpy(values, marker ? static_cast<const void*>(value.form.data()) : value.data, bytes);
  normaliseLogicalRaw(value.kind, value.type, values, static_cast<std::size_t>(value.length));
}

void AllReduceManager::handlePartial(Collection& collection, MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  const std::uint32_t number = env.reductionNumber();
  checkAllReducePartial(payloadOf(message), env.payloadSize);
  const AllReduceHeader& h = headerAt(message.data());
  Pending& p = slot(collection.id(), number);
  const std::size_t step = h.step;
  if (p.early.size() <= step) p.early.resize(step + 1);
  if (p.early[step])
    throw std::logic_error("charm: two partials for step " + std::to_string(step) + " of allreduce " +
                           std::to_string(number));
  p.early[step] = std::move(message);
  if (p.step >= 0) advance(collection, p);
}

void AllReduceManager::advance(Collection& collection, Pending& p) {
  const Plan& plan = planOf(collection);
  const Butterfly b(plan.participants, plan.rank);
  auto take = [&p](int step) {
    const auto s = static_cast<std::size_t>(step);
    return s < p.early.size() ? std::move(p.early[s]) : MessageBuffer{};
  };
  for (;;) {
    if (p.step == 0) {  // fold in the extra participants
      if (b.isExtra()) {
        sendPartial(p, plan.pe(b.foldPartner()), 0);
        p.step = b.foldOutStep();
        continue;
      }
      if (b.hasExtraPartner()) {
        MessageBuffer m = take(0);
        if (!m) return;
        absorb(p, std::move(m), /*theirsFirst=*/false);  // the extra one ranks higher
      }
      p.step = 1;
    } else if (p.step <= b.rounds()) {
      const int partner = b.partner(p.step);
      if (!p.sentAtStep) {
        sendPartial(p, plan.pe(partner), p.step);
        p.sentAtStep = true;
      }
      MessageBuffer m = take(p.step);
      if (!m) return;
      absorb(p, std::move(m), /*theirsFirst=*/partner < plan.rank);
      p.sentAtStep = false;
      ++p.step;
    } else {  // fold out: extras get the result from their core partner
      if (b.isExtra()) {
        MessageBuffer m = take(p.step);
        if (!m) return;
        if (!sameShape(headerAt(m.data()), headerAt(partialOf(p))))
          throwMismatch(p.number, "the result", "this PE's contributions");
        p.acc = std::move(m);
        p.sending.reset();
      } else if (b.hasExtraPartner()) {
        sendPartial(p, plan.pe(b.foldPartner()), p.step);
      }
      finish(collection, p);
      return;
    }
  }
}

void AllReduceManager::sendPartial(Pending& p, int pe, int step) {
  AllReduceHeader& h = headerAt(p.acc.data());
  h.step = static_cast<std::uint8_t>(step);
  const std::size_t bytes = valueBytesOf(h);
  if (bytes <= kZeroCopyBytes) {
    runtime_.send(pe, copyMessage(p.acc));
    return;
  }
  // Header in a small message of its own (with room for the transport's 8-byte
  // trailer, so it is not copied again); the values go from this buffer, which
  // the transport keeps alive until the send completed.
  MessageBuffer head = MessageBuffer::allocate(kAllReduceValuesOffset + 8);
  head.resize(kAllReduceValuesOffset);
  std::memcpy(head.data(), p.acc.data(), kAllReduceValuesOffset);
  p.sending = std::make_shared<MessageBuffer>(std::move(p.acc));
  const std::byte* values = p.sending->data() + kAllReduceValuesOffset;
  runtime_.send(pe, std::move(head), comm::ExternalPayload{values, bytes, p.sending});
}

void AllReduceManager::absorb(Pending& p, MessageBuffer m, bool theirsFirst) {
  AllReduceHeader& theirs = headerAt(m.data());
  const std::byte* mine = partialOf(p);
  const AllReduceHeader& own = headerAt(const_cast<std::byte*>(mine));
  if (!sameShape(theirs, own)) {
    // Numeric partials carry a digest of their form, not its words.
    const char* note = isMarker(theirs) ? ""
                       : isMarker(own)  ? " (numbers combined in C)"
                       : theirs.formDigest != own.formDigest ? " of another form"
                                                              : "";
    throwMismatch(p.number, describe(own.kind, own.type, own.shape, own.length, p.form) + " on this PE",
                  describePartial(m.data()) + note + " from another PE");
  }
  // Into the buffer the partner's values arrived in: ours may still be in flight
  // (being read by the transport), theirs is ours alone.
  combineNumericRaw(theirs.kind, theirs.type, m.data() + kAllReduceValuesOffset,
                    mine + kAllReduceValuesOffset, static_cast<std::size_t>(theirs.length),
                    /*otherFirst=*/!theirsFirst);
  theirs.contributions += own.contributions;
  p.acc = std::move(m);
  p.sending.reset();
}

void AllReduceManager::finish(Collection& collection, Pending& p) {
  std::byte* base = partialOf(p);
  const AllReduceHeader& h = headerAt(base);
  if (h.contributions != collection.totalElements())
    throw std::logic_error("charm: allreduce " + std::to_string(p.number) + " ended with " +
                           std::to_string(h.contributions) + " contributions for " +
                           std::to_string(collection.totalElements()) + " elements");
  if (isMarker(h)) {  // markers alone: the data went elsewhere, nobody waits here
    p.inUse = false;
    p.hasCallback = false;
    p.early.clear();
    p.remote.clear();
    p.acc = MessageBuffer{};
    p.sending.reset();
    return;
  }
  Result r;
  r.collection = p.collection;
  r.number = p.number;
  r.callback = p.callback;
  r.value = NumericSpan{h.kind, h.type, h.shape, h.length, base + kAllReduceValuesOffset, {}};
  const bool counted = h.kind != ReducerKind::Nop &&
                       h.shape == static_cast<std::uint8_t>(ReductionValue::Shape::Vector);
  r.data = base + kAllReduceValuesOffset - (counted ? sizeof h.length : 0);
  r.size = valueBytesOf(h) + (counted ? sizeof h.length : 0);
  std::vector<std::pair<int, ArrayIndex>> remote = std::move(p.remote);
  p.remote.clear();
  if (!remote.empty()) sendToRemoteContributors(r, remote);
  r.message = std::move(p.acc);
  r.shared = std::move(p.sending);
  // Free the slot before anyone sees the result: delivering may start the next
  // allreduce (and reuse this slot) at once.
  p.inUse = false;
  p.hasCallback = false;
  p.early.clear();
  deliver(r, remote);
}

void AllReduceManager::sendToRemoteContributors(const Result& r,
                                                const std::vector<std::pair<int, ArrayIndex>>& remote) {
  if ((r.callback.flags() & kExternalFutureFlag) && runtime_.embeddingHooks()) {
    // One AllReduceResult per PE: [NumericSpan][packed callback][pad to 16][result].
    std::vector<int> pes;
    for (const auto& [pe, index] : remote)
      if (std::find(pes.begin(), pes.end(), pe) == pes.end()) pes.push_back(pe);
    const std::size_t callbackBytes = packedSize(r.callback);
    const std::size_t header = (sizeof(NumericSpan) + callbackBytes + 15) & ~std::size_t{15};
    for (int pe : pes) {
      MessageBuffer m = newMessage(MessageKind::AllReduceResult, header + r.size);
      NumericSpan value = r.value;
      value.data = nullptr;
      std::memcpy(payloadOf(m), &value, sizeof value);
      packInto(payloadOf(m) + sizeof value, callbackBytes, r.callback);
      if (r.size) std::memcpy(payloadOf(m) + header, r.data, r.size);
      Envelope& env = envelopeOf(m);
      env.collection = r.collection;
      env.setReductionNumber(r.number);
      runtime_.send(pe, std::move(m));
    }
    return;
  }
  // C++ elements: the callback's entry method, called on each of them where it is.
  for (const auto& [pe, index] : remote) {
    MessageBuffer m = newMessage(MessageKind::EntryCall, r.size);
    if (r.size) std::memcpy(payloadOf(m), r.data, r.size);
    runtime_.sendEntryCall(r.collection, index, pe, r.callback.entry(), std::move(m), FutureRef{},
                           r.callback.flags() & ~kRuntimeFlagBits);
  }
}

void AllReduceManager::deliver(Result& r, const std::vector<std::pair<int, ArrayIndex>>& remote) {
  if ((r.callback.flags() & kExternalFutureFlag) && runtime_.embeddingHooks()) {
    runtime_.embeddingHooks()->deliverExternalAllReduce(r);
    return;
  }
  Collection* c = runtime_.collections().find(r.collection);
  if (!c) return;
  const EntryInfo& entry = Registry::instance().entry(r.callback.entry());
  // The elements this PE is home to and that are here; those away got the result
  // from sendToRemoteContributors, and visitors get it from their own home.
  for (const ArrayIndex& index : c->homeIndices) {
    bool gotIt = false;  // contributed from elsewhere: has its call on the way
    for (const auto& who : remote) gotIt |= who.second == index;
    if (gotIt) continue;
    auto it = c->elements.find(index);
    if (it == c->elements.end()) {
      // Contributed here, then moved away: the call follows it.
      MessageBuffer m = newMessage(MessageKind::EntryCall, r.size);
      if (r.size) std::memcpy(payloadOf(m), r.data, r.size);
      runtime_.sendEntryCall(r.collection, index, runtime_.myPe(), r.callback.entry(), std::move(m), FutureRef{},
                             r.callback.flags() & ~kRuntimeFlagBits);
      continue;
    }
    auto& element = it->second;
    InvokeContext ctx;
    ctx.payload = r.data;
    ctx.payloadSize = r.size;
    ctx.entry = r.callback.entry();
    ctx.flags = r.callback.flags() & ~kRuntimeFlagBits;
    entry.invoke(element.get(), ctx);
  }
}

}  // namespace charm
