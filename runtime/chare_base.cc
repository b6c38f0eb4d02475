#include "charm/chare_base.h"

#include <stdexcept>
#include <string>

#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace charm {

ChareBase::ChareBase() {
  const auto& ctx = Runtime::current().collections().constructionContext();
  collection_ = ctx.collection;
  index_ = ctx.index;
  // Constructed at home unless inserted elsewhere; a migrated one gets it with its state.
  homePe_ = ctx.home >= 0 ? ctx.home : Runtime::current().myPe();
  const Collection* c = Runtime::current().collections().find(collection_);
  measured_ = c && c->kind() != CollectionKind::Group;
  Runtime::current().collections().constructionStarted(*this);
}

void ChareBase::AtSync() { atSync(Runtime::current(), *this); }

namespace {
// A singleton chare reduces over itself alone (its home PE is the root), as
// charm4py's single chares, which are one-element arrays, do.
Collection& contributingCollection(Runtime& rt, CollectionId id) {
  Collection* c = rt.collections().find(id);
  if (!c) throw std::logic_error("charm: contribute() by an element of a collection unknown on this PE");
  return *c;
}

// A numeric span as a ReductionValue of its own (values and form copied).
ReductionValue copyOf(const NumericSpan& value) {
  const bool vector = value.shape != static_cast<std::uint8_t>(ReductionValue::Shape::Scalar);
  ReductionValue r = ReductionValue::numericRaw(value.kind, value.type, vector, value.length, value.data);
  if (!value.form.empty()) r.setForm(std::string(value.form));
  return r;
}
}  // namespace

ArrayIndex ChareBase::sectionGatherKey(SectionId section) const {
  if (section == 0) return index_;
  const SectionInfo* info = Runtime::current().sections().find(section);
  if (!info) throw std::logic_error("charm: contribute() to a section this PE was never told about");
  return ArrayIndex::of1d(static_cast<std::int32_t>(info->positionOf(collection_, index_)));
}

// Numbers go up only once the contribution was accepted, so an element whose
// contribution was refused (bad data) can still take part in the next one. An
// allreduce may complete inside contribute() and deliver the result to this very
// element, which may contribute again: AllReduceManager advances the number
// itself, before it delivers.
void ChareBase::contributeValue(ReductionValue value, const Callback& callback, SectionId section) {
  Runtime& rt = Runtime::current();
  if (section != 0) {
    const SectionInfo* info = rt.sections().find(section);
    if (!info) throw std::logic_error("charm: contribute() to a section this PE was never told about");
    if (callback.kind() == Callback::Kind::AllElements)
      throw std::invalid_argument("charm: an allreduce callback is for whole collections, not sections");
    const std::uint32_t position = info->positionOf(collection_, index_);  // throws for non-members
    std::uint32_t& number = nextSectionReduction_[section];
    // The member is counted on the PE the section's spec names for it.
    const int countingPe = info->spec().members[position].pe;
    if (countingPe != rt.myPe())
      rt.locations().sendRemoteContribution(countingPe, section,
                                            static_cast<std::uint8_t>(ReductionStream::Contributions), number,
                                            value, callback);
    else
      rt.reductions().contribute(section, ReductionStream::Contributions, number, std::move(value), callback);
    ++number;
    return;
  }
  Collection& c = contributingCollection(rt, collection_);
  if (callback.kind() == Callback::Kind::AllElements) {
    if (value.kind() == ReducerKind::Gather || value.kind() == ReducerKind::Custom)
      throw std::invalid_argument(
          "charm: an allreduce callback takes numeric reducers or nop; send a gather to a "
          "broadcast callback instead");
    if (homePe_ != rt.myPe()) {  // moved away: home counts it and sends the result back
      rt.locations().sendRemoteAllReduce(homePe_, collection_, index_, nextReduction_, value, callback);
      ++nextReduction_;
      return;
    }
    rt.allreduces().contribute(c, nextReduction_, value.span(), callback);
  } else if (homePe_ != rt.myPe()) {  // moved away: home counts it
    rt.locations().sendRemoteContribution(homePe_, collection_,
                                          static_cast<std::uint8_t>(ReductionStream::Contributions), nextReduction_,
                                          value, callback);
    ++nextReduction_;
  } else {
    rt.reductions().contribute(collection_, ReductionStream::Contributions, nextReduction_,
                               std::move(value), callback);
    ++nextReduction_;
  }
}

void ChareBase::contributeNumeric(const NumericSpan& value, const Callback& callback) {
  if (callback.kind() != Callback::Kind::AllElements) {  // the tree: a ReductionValue (a copy)
    if (value.kind == ReducerKind::Nop) {
      contributeValue(ReductionValue::nop(), callback, 0);
      return;
    }
    contributeValue(copyOf(value), callback, 0);
    return;
  }
  Runtime& rt = Runtime::current();
  Collection& c = contributingCollection(rt, collection_);
  if (homePe_ != rt.myPe()) {
    contributeValue(value.kind == ReducerKind::Nop ? ReductionValue::nop() : copyOf(value), callback, 0);
    return;
  }
  rt.allreduces().contribute(c, nextReduction_, value, callback);
}

void ChareBase::contributeAllReduceMarker(std::string_view form, const Callback& callback) {
  Runtime& rt = Runtime::current();
  Collection& c = contributingCollection(rt, collection_);
  std::uint32_t number = nextReduction_;  // the data's own contribution uses it up
  if (homePe_ != rt.myPe()) {
    ReductionValue marker = ReductionValue::nop();
    marker.setForm(std::string(form));
    rt.locations().sendRemoteAllReduce(homePe_, collection_, index_, number, marker, callback);
    return;
  }
  rt.allreduces().contribute(c, number, NumericSpan{ReducerKind::Nop, ValueType::None, 0, 0, nullptr, form},
                             callback);
}

void ChareBase::pupRuntimeState(Pup& p) {
  p | nextReduction_;
  p | nextSectionReduction_;
  p | nextBroadcast_;
  p | migratable_;
  p | homePe_;
  p | syncCount_;
  p | load_;
}

ArrayIndex ChareBase::replyGatherKey(const InvokeContext& ctx) const {
  return isSectionId(ctx.replyScope) ? ArrayIndex::of1d(static_cast<std::int32_t>(ctx.sectionPosition))
                                     : index_;
}

void ChareBase::contributeBroadcastReply(const InvokeContext& ctx, ReductionValue value,
                                         const Callback& callback) {
  Runtime& rt = Runtime::current();
  // Counted where the broadcast was addressed to this member: its home for a
  // collection broadcast, the PE the section names for it for a section one.
  const int countingPe = isSectionId(ctx.replyScope) ? (ctx.countingPe >= 0 ? ctx.countingPe : rt.myPe())
                                                      : homePe_;
  if (countingPe != rt.myPe()) {
    rt.locations().sendRemoteContribution(countingPe, ctx.replyScope,
                                          static_cast<std::uint8_t>(ReductionStream::BroadcastReplies),
                                          ctx.broadcastNumber, value, callback);
    return;
  }
  rt.reductions().contribute(ctx.replyScope, ReductionStream::BroadcastReplies, ctx.broadcastNumber,
                             std::move(value), callback);
}

}  // namespace charm
