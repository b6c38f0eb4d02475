#include "runtime/chare_base.h"

#include <stdexcept>

#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace charm {

ChareBase::ChareBase() {
  const auto& ctx = Runtime::current().constructionContext();
  collection_ = ctx.collection;
  index_ = ctx.index;
}

ArrayIndex ChareBase::sectionGatherKey(SectionId section) const {
  if (section == 0) return index_;
  const SectionInfo* info = Runtime::current().sections().find(section);
  if (!info) throw std::logic_error("charm: contribute() to a section this PE was never told about");
  return ArrayIndex::of1d(static_cast<std::int32_t>(info->positionOf(collection_, index_)));
}

void ChareBase::contributeValue(ReductionValue value, const Callback& callback, SectionId section) {
  Runtime& rt = Runtime::current();
  if (section != 0) {
    const SectionInfo* info = rt.sections().find(section);
    if (!info) throw std::logic_error("charm: contribute() to a section this PE was never told about");
    info->positionOf(collection_, index_);  // throws for non-members
    rt.reductions().contribute(section, ReductionStream::Contributions, nextSectionReduction_[section]++,
                               std::move(value), callback);
    return;
  }
  Collection* c = rt.findCollection(collection_);
  if (!c || c->kind() == CollectionKind::Singleton)
    throw std::logic_error("charm: contribute() is for elements of groups and arrays");
  rt.reductions().contribute(collection_, ReductionStream::Contributions, nextReduction_++,
                             std::move(value), callback);
}

ArrayIndex ChareBase::replyGatherKey(const InvokeContext& ctx) const {
  return isSectionId(ctx.replyScope) ? ArrayIndex::of1d(static_cast<std::int32_t>(ctx.sectionPosition))
                                     : index_;
}

void ChareBase::contributeBroadcastReply(const InvokeContext& ctx, ReductionValue value,
                                         const Callback& callback) {
  Runtime::current().reductions().contribute(ctx.replyScope, ReductionStream::BroadcastReplies,
                                             ctx.broadcastNumber, std::move(value), callback);
}

}  // namespace charm
