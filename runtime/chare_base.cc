#include "runtime/chare_base.h"

#include <stdexcept>

#include "runtime/runtime.h"

namespace charm {

ChareBase::ChareBase() {
  const auto& ctx = Runtime::current().constructionContext();
  collection_ = ctx.collection;
  index_ = ctx.index;
}

namespace {
Collection& contributingCollection(Runtime& rt, CollectionId id) {
  Collection* c = rt.findCollection(id);
  if (!c || c->kind() == CollectionKind::Singleton)
    throw std::logic_error("charm: contribute() is for elements of groups and arrays");
  return *c;
}
}  // namespace

// The number goes up only once the contribution was accepted, so an element
// whose contribution was refused (bad data) can still take part in the next one.
// An allreduce may complete inside contribute() and deliver the result to this
// very element, which may contribute again: AllReduceManager advances the number
// itself, before it delivers.
void ChareBase::contributeValue(ReductionValue value, const Callback& callback) {
  Runtime& rt = Runtime::current();
  Collection& c = contributingCollection(rt, collection_);
  if (callback.kind() == Callback::Kind::AllElements) {
    if (value.kind() == ReducerKind::Gather || value.kind() == ReducerKind::Custom)
      throw std::invalid_argument(
          "charm: an allreduce callback takes numeric reducers or nop; send a gather to a "
          "broadcast callback instead");
    rt.allreduces().contribute(c, nextReduction_, value.span(), callback);
  } else {
    rt.reductions().contribute(c, nextReduction_, std::move(value), callback);
    ++nextReduction_;
  }
}

void ChareBase::contributeNumeric(const NumericSpan& value, const Callback& callback) {
  if (callback.kind() != Callback::Kind::AllElements) {  // the tree: a ReductionValue (a copy)
    if (value.kind == ReducerKind::Nop) {
      contributeValue(ReductionValue::nop(), callback);
      return;
    }
    const bool vector = value.shape != static_cast<std::uint8_t>(ReductionValue::Shape::Scalar);
    contributeValue(ReductionValue::numericRaw(value.kind, value.type, vector, value.length, value.data),
                    callback);
    return;
  }
  Runtime& rt = Runtime::current();
  rt.allreduces().contribute(contributingCollection(rt, collection_), nextReduction_, value, callback);
}

}  // namespace charm
