// ChareBase: what every chare is, whatever its kind: which collection and index
// it is, its contributions to reductions, migration and AtSync. User classes
// derive from charm::Chare<T>, charm::Group<T> or charm::ArrayElement<T>
// (chare.h), which add thisProxy and thisIndex. The runtime's own per-chare state
// is private here and reached through ChareInternals (runtime/chare_internals.h).
#pragma once

#include <cstdint>
#include <string>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "charm/callback.h"
#include "charm/detail/entry_info.h"
#include "charm/detail/envelope.h"
#include "charm/index.h"
#include "charm/pup.h"
#include "charm/reducer.h"
#include "charm/section.h"

namespace charm {

// The reducers of the C++ API: contribute(value, charm::reducer::sum, callback).
namespace reducer {
inline constexpr ReducerKind nop = ReducerKind::Nop;
inline constexpr ReducerKind sum = ReducerKind::Sum;
inline constexpr ReducerKind product = ReducerKind::Product;
inline constexpr ReducerKind min = ReducerKind::Min;
inline constexpr ReducerKind max = ReducerKind::Max;
inline constexpr ReducerKind logical_and = ReducerKind::LogicalAnd;
inline constexpr ReducerKind logical_or = ReducerKind::LogicalOr;
inline constexpr ReducerKind logical_xor = ReducerKind::LogicalXor;
inline constexpr ReducerKind gather = ReducerKind::Gather;
}  // namespace reducer

template <class V>
constexpr bool isNumericContribution() {
  if constexpr (std::is_arithmetic_v<V>)
    return true;
  else if constexpr (reducer_detail::IsStdVector<V>::value || reducer_detail::IsStdArray<V>::value)
    return std::is_arithmetic_v<typename V::value_type>;
  else
    return false;
}
template <class V>
inline constexpr bool kIsNumericContribution = isNumericContribution<V>();


class ChareInternals;

// The user's view of every chare. What only the runtime, the load balancer and
// the embedded Python layer use (reduction and broadcast numbering, load
// measurement, migration packing) is private, reachable through ChareInternals
// (runtime/chare_internals.h), so that a user class sees only its own API.
class ChareBase {
 public:
  // Takes its collection and index from the runtime, which sets them before it
  // runs the user's constructor (so constructors may use thisProxy/thisIndex).
  ChareBase();
  virtual ~ChareBase() = default;
  ChareBase(const ChareBase&) = delete;
  ChareBase& operator=(const ChareBase&) = delete;

  CollectionId collectionId() const { return collection_; }
  const ArrayIndex& chareIndex() const { return index_; }

  // Contributes `value` to this element's next reduction over its collection
  // (group or array; a singleton chare reduces over itself alone). Every element
  // must contribute, with the same reducer and callback. Numeric reducers take
  // arithmetic values or std::vector/std::array of them (element-wise); gather
  // takes any packable value and yields a std::vector in index order. A
  // constructor may contribute already. An allreduce callback
  // (`thisProxy.allreduceCallback<&T::method>()`) takes numeric reducers or nop.
  template <class V>
  void contribute(const V& value, ReducerKind reducer, const Callback& callback) {
    contributeValue(makeContribution(value, reducer, index_), callback, 0);
  }
  // An empty reduction: the callback fires (with no value) once every element
  // has contributed; a barrier.
  void contribute(const Callback& callback) { contributeValue(ReductionValue::nop(), callback, 0); }
  // Contributes to this member's next reduction over section `section` (known on
  // this PE; SectionProxy registers it). Gather results follow the section order.
  template <class V>
  void contribute(const V& value, ReducerKind reducer, const Callback& callback, SectionId section) {
    contributeValue(makeContribution(value, reducer, sectionGatherKey(section)), callback, section);
  }
  void contribute(const Callback& callback, SectionId section) {
    contributeValue(ReductionValue::nop(), callback, section);
  }

  // --- migration (array elements and singleton chares; groups never move) ---
  // Whether the runtime may move this element (true unless turned off).
  bool migratable() const { return migratable_; }
  void setMigratable(bool migratable) { migratable_ = migratable; }
  // Called on the new PE once the element has arrived with its state.
  virtual void migrated() {}

  // --- load balancing ---------------------------------------------------------
  // Tells the load balancer this element is ready to move (arrays created with
  // useAtSync); resumeFromSync() is called once the balancing step is over.
  void AtSync();
  virtual void resumeFromSync() {}

 private:
  friend class ChareInternals;

  // The constructor entry that rebuilds a chare of this type on the PE it moves
  // to, or kNoEntry when the type cannot migrate (migrationBlocker() says why).
  // Overridden by MigratableChare (chare.h) and the embedded Python chare.
  virtual EntryId migrationEntry() const { return kNoEntry; }
  virtual std::string migrationBlocker() const { return "its type does not support migration"; }
  // Packs the user's state on the PE the element leaves (the migration entry
  // unpacks it on the new PE).
  virtual void packState(Pup& p) { (void)p; }
  // Why the element cannot leave right now ("" when it can): e.g. a coroutine of
  // it is suspended on this PE.
  virtual std::string busyReason() const { return {}; }

  // Contributes a value built by the caller (the embedded Python layer);
  // `section` 0 means the whole collection.
  void contributeReduction(ReductionValue value, const Callback& callback, SectionId section = 0) {
    contributeValue(std::move(value), callback, section);
  }
  // Contributes numbers read from the caller's memory during the call only (the
  // embedded Python layer's NumPy arrays): with an allreduce callback
  // (Callback::toAllElements) nothing is copied before combining.
  void contributeNumeric(const NumericSpan& value, const Callback& callback);
  // Stands in, in the allreduce (Callback::toAllElements) numbered like this
  // element's next contribution, for data that goes to a reduction combined
  // elsewhere (the embedded layer's Python data, reduced at the root): markers
  // agree with each other, and meeting a numeric contribution they end the job
  // naming both (`form` says what the data is), where the two halves would
  // otherwise wait for each other forever. Does not use up the number.
  void contributeAllReduceMarker(std::string_view form, const Callback& callback);
  // The key that orders this member's item in a gather over `section` (0: the
  // collection): its index, or its position in the section.
  ArrayIndex sectionGatherKey(SectionId section) const;
  // The reply of this element to the broadcast being invoked (`ctx`): a
  // contribution to the reduction, over the broadcast's collection or section,
  // numbered by the broadcast. Gather replies are keyed by replyGatherKey(ctx).
  void contributeBroadcastReply(const InvokeContext& ctx, ReductionValue value, const Callback& callback);
  ArrayIndex replyGatherKey(const InvokeContext& ctx) const;
  // The runtime's own state of this element (reduction numbers, the next
  // broadcast it expects), which travels with it.
  void pupRuntimeState(Pup& p);

  template <class V>
  static ReductionValue makeContribution(const V& value, ReducerKind reducer, const ArrayIndex& key) {
    if (reducer == ReducerKind::Gather) return ReductionValue::gather(key, value);
    if (reducer == ReducerKind::Nop) return ReductionValue::nop();
    if constexpr (kIsNumericContribution<V>)
      return ReductionValue::numeric(reducer, value);
    else
      throw std::invalid_argument(
          "charm: contribute(): numeric reducers (sum, product, min, max, logical_*) take "
          "numbers or std::vector/std::array of numbers; use gather for other values");
  }
  void contributeValue(ReductionValue value, const Callback& callback, SectionId section);

  CollectionId collection_;
  ArrayIndex index_;
  std::uint32_t nextReduction_ = 0;  // the number the next contribution goes to
  std::unordered_map<SectionId, std::uint32_t> nextSectionReduction_;  // rarely more than a few
  // Broadcasts to this element are delivered in their numbering order, also when
  // it moves: the number of the next one it takes.
  std::uint32_t nextBroadcast_ = 0;
  bool migratable_ = true;
  int homePe_ = -1;  // where the collection's map put it (counts its contributions)
  std::uint32_t syncCount_ = 0;  // AtSync calls so far (numbers the sync reductions)
  // Wall time spent in this element's entry methods since the last balancing
  // step (measured while instrumentation is on).
  double load_ = 0;
  bool measured_ = false;  // whether the runtime measures it (array elements and singletons)
};

}  // namespace charm
