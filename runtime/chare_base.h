// ChareBase: what the runtime needs of every chare, whatever its kind: which
// collection and index it is, and its contributions to reductions. User classes
// derive from charm::Chare<T>, charm::Group<T> or charm::ArrayElement<T>
// (chare.h), which add thisProxy and thisIndex.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <type_traits>

#include "runtime/callback.h"
#include "runtime/envelope.h"
#include "runtime/index.h"
#include "runtime/reducer.h"

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
  // (group or array). Every element must contribute, with the same reducer and
  // callback. Numeric reducers take arithmetic values or std::vector/std::array of
  // them (element-wise); gather takes any packable value and yields a
  // std::vector in index order. An allreduce callback
  // (`thisProxy.allreduceCallback<&T::method>()`) takes numeric reducers or nop.
  template <class V>
  void contribute(const V& value, ReducerKind reducer, const Callback& callback) {
    if (reducer == ReducerKind::Gather)
      contributeValue(ReductionValue::gather(index_, value), callback);
    else if (reducer == ReducerKind::Nop)
      contributeValue(ReductionValue::nop(), callback);
    else if constexpr (kIsNumericContribution<V>)
      contributeValue(ReductionValue::numeric(reducer, value), callback);
    else
      throw std::invalid_argument(
          "charm: contribute(): numeric reducers (sum, product, min, max, logical_*) take "
          "numbers or std::vector/std::array of numbers; use gather for other values");
  }
  // An empty reduction: the callback fires (with no value) once every element
  // has contributed; a barrier.
  void contribute(const Callback& callback) { contributeValue(ReductionValue::nop(), callback); }
  // Contributes a value built by the caller (used by the embedded Python layer).
  void contributeReduction(ReductionValue value, const Callback& callback) {
    contributeValue(std::move(value), callback);
  }
  // Contributes numbers read from the caller's memory during the call only (the
  // embedded Python layer's NumPy arrays): with an allreduce callback
  // (Callback::toAllElements) nothing is copied before combining.
  void contributeNumeric(const NumericSpan& value, const Callback& callback);
  // The number the next contribution of this element goes to. A contribution
  // that throws does not use up its number.
  std::uint32_t nextReductionNumber() const { return nextReduction_; }

 private:
  void contributeValue(ReductionValue value, const Callback& callback);

  CollectionId collection_;
  ArrayIndex index_;
  std::uint32_t nextReduction_ = 0;
};

}  // namespace charm
