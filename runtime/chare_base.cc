#include "runtime/chare_base.h"

#include <stdexcept>

#include "runtime/runtime.h"

namespace charm {

ChareBase::ChareBase() {
  const auto& ctx = Runtime::current().constructionContext();
  collection_ = ctx.collection;
  index_ = ctx.index;
}

void ChareBase::contributeValue(ReductionValue value, const Callback& callback) {
  Runtime& rt = Runtime::current();
  Collection* c = rt.findCollection(collection_);
  if (!c || c->kind() == CollectionKind::Singleton)
    throw std::logic_error("charm: contribute() is for elements of groups and arrays");
  rt.reductions().contribute(*c, nextReduction_++, std::move(value), callback);
}

}  // namespace charm
