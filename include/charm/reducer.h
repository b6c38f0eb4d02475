// Built-in reducers. A reduction folds one contribution from every element of a
// collection into a single result. Contributions are combined first on each PE,
// then up the spanning tree, so partial results travel between PEs as bytes;
// ReductionValue is such a partial (or the final result): a type-erased value
// that knows its reducer, its element type and how many contributions it holds.
//
// Reducers and what they accept:
//   - Sum, Product, Min, Max: arithmetic scalars, std::vector or std::array of
//     arithmetic values (element-wise). Integer sums and products wrap around on
//     overflow; on Bool, Sum/Max act as OR and Product/Min as AND (like C++ bool
//     arithmetic stored back into a bool). Float Min/Max propagate NaN, so the
//     result does not depend on combining order.
//   - LogicalAnd, LogicalOr, LogicalXor: same inputs; values are read as truth
//     values (non-zero = true) and the result keeps the input's ValueType with
//     values 0 or 1 (e.g. a logical OR over ints gives an int 0/1, over doubles a
//     double 0.0/1.0).
//   - Gather: any pup-able value, keyed by the contributor's ArrayIndex (for
//     groups the PE as a 1-d index); the result lists the values in key order.
//   - Nop: no data; only counts contributions (a barrier).
//   - Custom: opaque bytes folded by a registered combine function.
//
// A value may carry a form (setForm): the embedding layer's description of what
// the values stand for, e.g. "Reducer.sum of a NumPy float64 array of shape
// (2, 3)". Numeric values whose forms differ refuse to combine (a (2, 3) and a
// (3, 2) array have the same element type and length, but no sum), and every
// mismatch error quotes the forms of both sides.
//
// The result bytes (resultBytes()) are exactly what charm::Pup produces for the
// C++ result type, so the receiver decodes them with unpackAs<T>:
//   numeric scalar T -> T; std::vector<T> -> std::vector<T> (uint64 count + raw
//   values); std::array<T, N> -> std::array<T, N> (N raw values, no count);
//   Gather of T -> std::vector<T> in key order (an empty vector when nothing was
//   gathered); Nop -> no bytes; Custom -> the accumulated bytes as they are.
//   A numeric or custom reduction with no contributions yet gives no bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "charm/index.h"
#include "charm/pup.h"

namespace charm {

enum class ReducerKind : std::uint8_t {
  Nop,
  Sum,
  Product,
  Min,
  Max,
  LogicalAnd,
  LogicalOr,
  LogicalXor,
  Gather,
  Custom
};

enum class ValueType : std::uint8_t {
  None,
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float,
  Double
};

const char* reducerKindName(ReducerKind kind) noexcept;
const char* valueTypeName(ValueType type) noexcept;
// Bytes per element of `type` (0 for None).
std::size_t valueTypeSize(ValueType type) noexcept;
// Sum .. LogicalXor: the reducers that work on numbers.
constexpr bool isNumericReducer(ReducerKind kind) noexcept {
  return kind >= ReducerKind::Sum && kind <= ReducerKind::LogicalXor;
}

namespace reducer_detail {
template <class T>
inline constexpr bool kAlwaysFalse = false;
template <class T>
struct IsStdVector : std::false_type {};
template <class T, class A>
struct IsStdVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsStdArray : std::false_type {};
template <class T, std::size_t N>
struct IsStdArray<std::array<T, N>> : std::true_type {};
}  // namespace reducer_detail

// The ValueType of an arithmetic C++ type (char counts as Int8 or UInt8 by its
// signedness; long double is not supported).
template <class T>
constexpr ValueType valueTypeOf() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return ValueType::Bool;
  } else if constexpr (std::is_integral_v<U>) {
    constexpr bool isSigned = std::is_signed_v<U>;
    if constexpr (sizeof(U) == 1) return isSigned ? ValueType::Int8 : ValueType::UInt8;
    else if constexpr (sizeof(U) == 2) return isSigned ? ValueType::Int16 : ValueType::UInt16;
    else if constexpr (sizeof(U) == 4) return isSigned ? ValueType::Int32 : ValueType::UInt32;
    else if constexpr (sizeof(U) == 8) return isSigned ? ValueType::Int64 : ValueType::UInt64;
    else static_assert(reducer_detail::kAlwaysFalse<U>, "charm::valueTypeOf: unsupported integer size");
  } else if constexpr (std::is_same_v<U, float>) {
    return ValueType::Float;
  } else if constexpr (std::is_same_v<U, double>) {
    return ValueType::Double;
  } else {
    static_assert(reducer_detail::kAlwaysFalse<U>,
                  "charm::valueTypeOf: reducers work on bool, integers, float and double");
  }
}

// Element-wise `into[i] = op(into[i], other[i])` over `count` values of `type`
// in place, or `op(other[i], into[i])` with `otherFirst`. The operand order
// matters for bit-identical results (min/max of -0.0 and +0.0, NaN payloads), so
// PEs that must end with the same bits combine in the same order. Bool follows
// the rules above (Sum/Max as OR, Product/Min as AND). `into` and `other` must
// not overlap. Not for Nop/Gather/Custom (does nothing).
void combineNumericRaw(ReducerKind kind, ValueType type, std::byte* into, const std::byte* other,
                       std::size_t count, bool otherFirst) noexcept;
// Logical reducers read values as truth values: rewrites `count` values of
// `type` at `data` as 0/1 (does nothing for the other reducers).
void normaliseLogicalRaw(ReducerKind kind, ValueType type, std::byte* data, std::size_t count) noexcept;

class ReductionValue;

// A numeric (or empty, kind Nop) contribution seen where it lies: `length`
// values of `type` at `data`, in the caller's memory. The allreduce path combines
// straight from there, so a NumPy array is read once, never copied first.
struct NumericSpan {
  ReducerKind kind = ReducerKind::Nop;
  ValueType type = ValueType::None;
  std::uint8_t shape = 0;  // a ReductionValue::Shape (Scalar, Vector, FixedArray)
  std::uint64_t length = 0;
  const void* data = nullptr;  // length * valueTypeSize(type) bytes
  std::string_view form;       // ReductionValue::form(); empty: none
};

// A 64-bit FNV-1a digest of a form (0 for none), which allreduce partials carry
// instead of the text.
std::uint64_t formDigest(std::string_view form) noexcept;

class ReductionValue {
 public:
  // How numeric data is laid out, which decides how resultBytes() encodes it.
  enum class Shape : std::uint8_t { Scalar, Vector, FixedArray };

  ReductionValue() = default;  // empty: Nop holding 0 contributions

  // One contribution to a numeric reducer (Sum .. LogicalXor). T is an arithmetic
  // type, or a std::vector / std::array of one (combined element-wise).
  template <class T>
  static ReductionValue numeric(ReducerKind kind, const T& value);

  // One contribution to a Gather: any pup-able value, ordered by `key` in the result.
  template <class T>
  static ReductionValue gather(const ArrayIndex& key, const T& value);

  // One contribution to a Nop reduction.
  static ReductionValue nop();

  // "Nothing yet" for `kind`: holds 0 contributions, and combining it with X gives
  // X. A PE with no contributing elements forwards this. identity(Nop) (like a
  // default-constructed value) adopts the kind of whatever is combined into it,
  // so it can start any accumulator.
  static ReductionValue identity(ReducerKind kind);

  // Custom reducers: `accumulated` holds the result so far and must absorb `next`.
  using CustomCombine = void (*)(std::vector<std::byte>& accumulated, const std::byte* next,
                                 std::size_t nextLength);
  // Returns the reducer's id. Ids are handed out in registration order, so every
  // PE must register the same functions in the same order (at start-up).
  // Registering the same function again returns its existing id. Thread-safe.
  static std::uint32_t registerCustom(CustomCombine combine);
  // One contribution to custom reducer `reducerId`.
  static ReductionValue custom(std::uint32_t reducerId, std::vector<std::byte> bytes);

  ReducerKind kind() const noexcept { return kind_; }
  // Element contributions folded in: 1 for a fresh contribution, 0 for identity().
  std::uint64_t contributions() const noexcept { return contributions_; }
  // True when no data has been folded in yet (identity, or default-constructed).
  bool empty() const noexcept { return !hasData_; }
  // Numeric reducers: element type, layout, number of elements (1 for scalars).
  ValueType valueType() const noexcept { return valueType_; }
  Shape shape() const noexcept { return shape_; }
  std::uint64_t length() const noexcept { return length_; }
  // Gather: number of items gathered so far.
  std::size_t gatheredItems() const noexcept { return gatherEntries_.size(); }
  // Custom: the reducer id.
  std::uint32_t customReducerId() const noexcept { return customId_; }

  // A numeric contribution from raw memory: `count` values of `type` at `data`,
  // a scalar or a vector (as std::vector<T> would give).
  static ReductionValue numericRaw(ReducerKind kind, ValueType type, bool vector,
                                   std::uint64_t count, const void* data);

  // This numeric or Nop value in place (valid while the value lives and is not
  // combined into); std::invalid_argument for Gather and Custom values.
  NumericSpan span() const;

  // An opaque label carried along with the value to the root (the first non-empty
  // one wins when values combine). The embedded Python layer keeps there what the
  // result must become (a list, a NumPy array of some shape) and where it goes.
  const std::string& tag() const noexcept { return tag_; }
  void setTag(std::string tag) { tag_ = std::move(tag); }

  // What the values stand for to the embedding layer (see the top of this file):
  // numeric values with different forms refuse to combine. Empty: none given.
  const std::string& form() const noexcept { return form_; }
  void setForm(std::string form) { form_ = std::move(form); }

  // Folds `other` into this value and adds its contribution count. Throws
  // std::invalid_argument (naming both sides) when the reducers, forms, element
  // types, shapes or lengths differ. The rvalue overload steals other's buffers when
  // this value is still empty.
  void combine(const ReductionValue& other);
  void combine(ReductionValue&& other);

  // Sends a partial between PEs (see charm::Pup). Validates everything it reads.
  void pup(Pup& p);

  // The final result, encoded as described at the top of this file.
  std::vector<std::byte> resultBytes() const;

 private:
  struct GatherEntry {
    ArrayIndex key;
    std::uint64_t offset = 0;  // into bytes_
    std::uint64_t length = 0;
  };

  // Starts a numeric contribution with room for `length` elements (uninitialised).
  static ReductionValue startNumeric(ReducerKind kind, ValueType type, Shape shape,
                                     std::size_t length);
  // Raw element storage: the inline buffer for scalars (no heap allocation per
  // scalar contribution), bytes_ otherwise.
  std::byte* numericData() noexcept { return shape_ == Shape::Scalar ? scalar_.data() : bytes_.data(); }
  const std::byte* numericData() const noexcept {
    return shape_ == Shape::Scalar ? scalar_.data() : bytes_.data();
  }
  std::size_t numericBytes() const noexcept {
    return static_cast<std::size_t>(length_) * valueTypeSize(valueType_);
  }
  // Logical reducers store truth values as 0/1 of the input type.
  void normaliseLogical() noexcept;
  void combineNumeric(const ReductionValue& other);
  void combineGather(const ReductionValue& other);
  void combineCustom(const ReductionValue& other);
  [[noreturn]] void throwMismatch(const ReductionValue& other, const char* what) const;
  std::string describe() const;

  ReducerKind kind_ = ReducerKind::Nop;
  ValueType valueType_ = ValueType::None;
  Shape shape_ = Shape::Scalar;
  bool hasData_ = false;
  std::uint32_t customId_ = 0;
  std::uint64_t contributions_ = 0;
  std::uint64_t length_ = 0;  // numeric: number of elements
  alignas(8) std::array<std::byte, 8> scalar_{};
  // Numeric vectors: the raw elements. Gather: every item's encoding, back to
  // back (gatherEntries_ says where each is). Custom: the accumulated bytes.
  std::vector<std::byte> bytes_;
  std::vector<GatherEntry> gatherEntries_;  // in arrival order; sorted in resultBytes()
  std::string tag_;
  std::string form_;
};

// ----- templates ---------------------------------------------------------------

template <class T>
ReductionValue ReductionValue::numeric(ReducerKind kind, const T& value) {
  if constexpr (std::is_arithmetic_v<T>) {
    ReductionValue r = startNumeric(kind, valueTypeOf<T>(), Shape::Scalar, 1);
    if constexpr (std::is_same_v<T, bool>) {
      r.scalar_[0] = std::byte{value ? std::uint8_t{1} : std::uint8_t{0}};
    } else {
      std::memcpy(r.scalar_.data(), &value, sizeof value);
    }
    r.normaliseLogical();
    return r;
  } else if constexpr (reducer_detail::IsStdVector<T>::value ||
                       reducer_detail::IsStdArray<T>::value) {
    using Element = typename T::value_type;
    static_assert(std::is_arithmetic_v<Element>,
                  "charm::ReductionValue::numeric: vector/array elements must be arithmetic");
    const Shape shape = reducer_detail::IsStdVector<T>::value ? Shape::Vector : Shape::FixedArray;
    ReductionValue r = startNumeric(kind, valueTypeOf<Element>(), shape, value.size());
    if constexpr (std::is_same_v<Element, bool>) {
      // std::vector<bool> is a bitset; store one byte per element.
      std::size_t i = 0;
      for (bool b : value) r.bytes_[i++] = std::byte{b ? std::uint8_t{1} : std::uint8_t{0}};
    } else if (!value.empty()) {
      std::memcpy(r.bytes_.data(), value.data(), value.size() * sizeof(Element));
    }
    r.normaliseLogical();
    return r;
  } else {
    static_assert(reducer_detail::kAlwaysFalse<T>,
                  "charm::ReductionValue::numeric takes an arithmetic value or a "
                  "std::vector / std::array of them");
  }
}

template <class T>
ReductionValue ReductionValue::gather(const ArrayIndex& key, const T& value) {
  ReductionValue r;
  r.kind_ = ReducerKind::Gather;
  r.hasData_ = true;
  r.contributions_ = 1;
  const std::size_t size = packedSize(value);
  r.bytes_.resize(size);
  packInto(r.bytes_.data(), size, value);
  r.gatherEntries_.push_back(GatherEntry{key, 0, size});
  return r;
}

}  // namespace charm
