#include "charm/reducer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <utility>

namespace charm {

const char* reducerKindName(ReducerKind kind) noexcept {
  switch (kind) {
    case ReducerKind::Nop: return "Nop";
    case ReducerKind::Sum: return "Sum";
    case ReducerKind::Product: return "Product";
    case ReducerKind::Min: return "Min";
    case ReducerKind::Max: return "Max";
    case ReducerKind::LogicalAnd: return "LogicalAnd";
    case ReducerKind::LogicalOr: return "LogicalOr";
    case ReducerKind::LogicalXor: return "LogicalXor";
    case ReducerKind::Gather: return "Gather";
    case ReducerKind::Custom: return "Custom";
  }
  return "(invalid reducer)";
}

const char* valueTypeName(ValueType type) noexcept {
  switch (type) {
    case ValueType::None: return "None";
    case ValueType::Bool: return "Bool";
    case ValueType::Int8: return "Int8";
    case ValueType::Int16: return "Int16";
    case ValueType::Int32: return "Int32";
    case ValueType::Int64: return "Int64";
    case ValueType::UInt8: return "UInt8";
    case ValueType::UInt16: return "UInt16";
    case ValueType::UInt32: return "UInt32";
    case ValueType::UInt64: return "UInt64";
    case ValueType::Float: return "Float";
    case ValueType::Double: return "Double";
  }
  return "(invalid value type)";
}

std::size_t valueTypeSize(ValueType type) noexcept {
  switch (type) {
    case ValueType::None: return 0;
    case ValueType::Bool:
    case ValueType::Int8:
    case ValueType::UInt8: return 1;
    case ValueType::Int16:
    case ValueType::UInt16: return 2;
    case ValueType::Int32:
    case ValueType::UInt32:
    case ValueType::Float: return 4;
    case ValueType::Int64:
    case ValueType::UInt64:
    case ValueType::Double: return 8;
  }
  return 0;
}

std::uint64_t formDigest(std::string_view form) noexcept {
  if (form.empty()) return 0;
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const char c : form) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;  // 0 stays "no form"
}

namespace {

// ----- typed element loops ---------------------------------------------------
// Numeric data is stored as bytes (its type is only known at run time), so
// elements are read and written with memcpy: well-defined for any alignment, and
// compiled to plain loads and stores, so the loops stay tight and vectorisable.

template <class T>
T load(const std::byte* p) noexcept {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

template <class T>
void store(std::byte* p, T value) noexcept {
  std::memcpy(p, &value, sizeof value);
}

// `__restrict`: the two sides never overlap, which lets the compiler vectorise
// (reducer.cc is built with -O3 for these loops; see CMakeLists.txt).
template <class T, class Op>
void foldLoop(std::byte* __restrict accumulated, const std::byte* __restrict next, std::size_t n,
              Op op, bool nextFirst) noexcept {
  if (nextFirst) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t at = i * sizeof(T);
      store<T>(accumulated + at, op(load<T>(next + at), load<T>(accumulated + at)));
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t at = i * sizeof(T);
      store<T>(accumulated + at, op(load<T>(accumulated + at), load<T>(next + at)));
    }
  }
}

// Integers wrap around instead of overflowing (signed overflow is UB): compute
// in an unsigned type at least as wide as unsigned int (narrower ones would be
// promoted to signed int, which can overflow in a product).
template <class T>
using WrapType = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T>
T add(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
  } else {
    return a + b;
  }
}

template <class T>
T multiply(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
  } else {
    return a * b;
  }
}

// NaN wins, so that the result does not depend on the order of combining.
template <class T>
T minimum(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
  }
  return b < a ? b : a;
}

template <class T>
T maximum(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
  }
  return a < b ? b : a;
}

template <class T>
bool truth(T v) noexcept {
  return v != T(0);
}

template <class T>
void foldTyped(ReducerKind kind, std::byte* acc, const std::byte* next, std::size_t n,
               bool nextFirst) noexcept {
  switch (kind) {
    case ReducerKind::Sum: foldLoop<T>(acc, next, n, add<T>, nextFirst); return;
    case ReducerKind::Product: foldLoop<T>(acc, next, n, multiply<T>, nextFirst); return;
    case ReducerKind::Min: foldLoop<T>(acc, next, n, minimum<T>, nextFirst); return;
    case ReducerKind::Max: foldLoop<T>(acc, next, n, maximum<T>, nextFirst); return;
    case ReducerKind::LogicalAnd:
      foldLoop<T>(acc, next, n, [](T a, T b) { return T(truth(a) && truth(b)); }, nextFirst);
      return;
    case ReducerKind::LogicalOr:
      foldLoop<T>(acc, next, n, [](T a, T b) { return T(truth(a) || truth(b)); }, nextFirst);
      return;
    case ReducerKind::LogicalXor:
      foldLoop<T>(acc, next, n, [](T a, T b) { return T(truth(a) != truth(b)); }, nextFirst);
      return;
    default: return;  // not numeric; rejected before we get here
  }
}

// Bool arithmetic as C++ does it when the result is stored back into a bool.
ReducerKind boolEquivalent(ReducerKind kind) noexcept {
  switch (kind) {
    case ReducerKind::Sum:
    case ReducerKind::Max: return ReducerKind::LogicalOr;
    case ReducerKind::Product:
    case ReducerKind::Min: return ReducerKind::LogicalAnd;
    default: return kind;
  }
}

void foldNumeric(ReducerKind kind, ValueType type, std::byte* acc, const std::byte* next,
                 std::size_t n, bool nextFirst = false) noexcept {
  switch (type) {
    case ValueType::Bool: foldTyped<std::uint8_t>(boolEquivalent(kind), acc, next, n, nextFirst); return;
    case ValueType::Int8: foldTyped<std::int8_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::Int16: foldTyped<std::int16_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::Int32: foldTyped<std::int32_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::Int64: foldTyped<std::int64_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::UInt8: foldTyped<std::uint8_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::UInt16: foldTyped<std::uint16_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::UInt32: foldTyped<std::uint32_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::UInt64: foldTyped<std::uint64_t>(kind, acc, next, n, nextFirst); return;
    case ValueType::Float: foldTyped<float>(kind, acc, next, n, nextFirst); return;
    case ValueType::Double: foldTyped<double>(kind, acc, next, n, nextFirst); return;
    case ValueType::None: return;
  }
}

template <class T>
void normaliseTyped(std::byte* data, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) store<T>(data + i * sizeof(T), T(truth(load<T>(data + i * sizeof(T)))));
}

// ----- custom reducer registry -------------------------------------------------
// Process-wide, like chare-type registration: filled at start-up in the same
// order on every PE and read-only afterwards. Several in-process PEs (unit tests)
// may register concurrently, hence the mutex for writers; readers on the combine
// path only do an atomic load.
constexpr std::uint32_t kMaxCustomReducers = 1024;

struct CustomReducerRegistry {
  std::mutex writers;
  std::array<std::atomic<ReductionValue::CustomCombine>, kMaxCustomReducers> functions{};
  std::atomic<std::uint32_t> size{0};
};

CustomReducerRegistry& customReducers() {
  static CustomReducerRegistry registry;
  return registry;
}

ReductionValue::CustomCombine findCustom(std::uint32_t id) {
  CustomReducerRegistry& registry = customReducers();
  if (id >= registry.size.load(std::memory_order_acquire))
    throw std::invalid_argument("charm::ReductionValue: custom reducer id " + std::to_string(id) +
                                " is not registered on this PE (registerCustom() must run in "
                                "the same order on every PE)");
  return registry.functions[id].load(std::memory_order_relaxed);
}

}  // namespace

// ----- construction ------------------------------------------------------------

ReductionValue ReductionValue::numericRaw(ReducerKind kind, ValueType type, bool vector,
                                          std::uint64_t count, const void* data) {
  if (type == ValueType::None || type > ValueType::Double)
    throw std::invalid_argument("charm::ReductionValue::numericRaw: not a numeric value type");
  if (!vector && count != 1)
    throw std::invalid_argument("charm::ReductionValue::numericRaw: a scalar has one value");
  ReductionValue r = startNumeric(kind, type, vector ? Shape::Vector : Shape::Scalar,
                                  static_cast<std::size_t>(count));
  if (count) std::memcpy(r.numericData(), data, r.numericBytes());
  r.normaliseLogical();
  return r;
}

ReductionValue ReductionValue::startNumeric(ReducerKind kind, ValueType type, Shape shape,
                                            std::size_t length) {
  if (!isNumericReducer(kind))
    throw std::invalid_argument(std::string("charm::ReductionValue::numeric: reducer ") +
                                reducerKindName(kind) +
                                " does not combine numbers (use gather(), nop() or custom())");
  ReductionValue r;
  r.kind_ = kind;
  r.valueType_ = type;
  r.shape_ = shape;
  r.length_ = length;
  r.hasData_ = true;
  r.contributions_ = 1;
  if (shape != Shape::Scalar) r.bytes_.resize(r.numericBytes());
  return r;
}

ReductionValue ReductionValue::nop() {
  ReductionValue r;
  r.hasData_ = true;
  r.contributions_ = 1;
  return r;
}

ReductionValue ReductionValue::identity(ReducerKind kind) {
  ReductionValue r;
  r.kind_ = kind;
  return r;
}

std::uint32_t ReductionValue::registerCustom(CustomCombine combine) {
  if (combine == nullptr)
    throw std::invalid_argument("charm::ReductionValue::registerCustom: null combine function");
  CustomReducerRegistry& registry = customReducers();
  std::lock_guard<std::mutex> lock(registry.writers);
  const std::uint32_t size = registry.size.load(std::memory_order_relaxed);
  for (std::uint32_t id = 0; id < size; ++id)
    if (registry.functions[id].load(std::memory_order_relaxed) == combine) return id;
  if (size == kMaxCustomReducers)
    throw std::length_error("charm::ReductionValue::registerCustom: more than " +
                            std::to_string(kMaxCustomReducers) + " custom reducers");
  registry.functions[size].store(combine, std::memory_order_relaxed);
  registry.size.store(size + 1, std::memory_order_release);
  return size;
}

ReductionValue ReductionValue::custom(std::uint32_t reducerId, std::vector<std::byte> bytes) {
  findCustom(reducerId);  // reject unknown ids at the contributor, not at the root
  ReductionValue r;
  r.kind_ = ReducerKind::Custom;
  r.customId_ = reducerId;
  r.hasData_ = true;
  r.contributions_ = 1;
  r.bytes_ = std::move(bytes);
  return r;
}

void ReductionValue::normaliseLogical() noexcept {
  normaliseLogicalRaw(kind_, valueType_, numericData(), static_cast<std::size_t>(length_));
}

void normaliseLogicalRaw(ReducerKind kind, ValueType type, std::byte* data, std::size_t n) noexcept {
  if (kind != ReducerKind::LogicalAnd && kind != ReducerKind::LogicalOr &&
      kind != ReducerKind::LogicalXor)
    return;
  switch (type) {
    case ValueType::Bool:
    case ValueType::UInt8: normaliseTyped<std::uint8_t>(data, n); return;
    case ValueType::Int8: normaliseTyped<std::int8_t>(data, n); return;
    case ValueType::Int16: normaliseTyped<std::int16_t>(data, n); return;
    case ValueType::Int32: normaliseTyped<std::int32_t>(data, n); return;
    case ValueType::Int64: normaliseTyped<std::int64_t>(data, n); return;
    case ValueType::UInt16: normaliseTyped<std::uint16_t>(data, n); return;
    case ValueType::UInt32: normaliseTyped<std::uint32_t>(data, n); return;
    case ValueType::UInt64: normaliseTyped<std::uint64_t>(data, n); return;
    case ValueType::Float: normaliseTyped<float>(data, n); return;
    case ValueType::Double: normaliseTyped<double>(data, n); return;
    case ValueType::None: return;
  }
}

void combineNumericRaw(ReducerKind kind, ValueType type, std::byte* into, const std::byte* other,
                       std::size_t count, bool otherFirst) noexcept {
  if (isNumericReducer(kind)) foldNumeric(kind, type, into, other, count, otherFirst);
}

NumericSpan ReductionValue::span() const {
  if (kind_ == ReducerKind::Gather || kind_ == ReducerKind::Custom)
    throw std::invalid_argument(std::string("charm::ReductionValue::span: a ") + reducerKindName(kind_) +
                                " value is not numeric");
  NumericSpan s;
  s.kind = kind_;
  if (kind_ == ReducerKind::Nop) s.form = form_;  // an allreduce marker's words (AllReduceManager)
  if (isNumericReducer(kind_) && hasData_) {
    s.type = valueType_;
    s.shape = static_cast<std::uint8_t>(shape_);
    s.length = length_;
    s.data = numericData();
    s.form = form_;
  }
  return s;
}

// ----- combining ---------------------------------------------------------------

std::string ReductionValue::describe() const {
  if (!form_.empty()) return form_;  // the embedding layer's words for it
  std::string s = reducerKindName(kind_);
  if (isNumericReducer(kind_) && hasData_) {
    switch (shape_) {
      case Shape::Scalar: return s + " of " + valueTypeName(valueType_);
      case Shape::Vector:
        return s + " of vector<" + valueTypeName(valueType_) + "> of length " + std::to_string(length_);
      case Shape::FixedArray:
        return s + " of array<" + valueTypeName(valueType_) + ", " + std::to_string(length_) + ">";
    }
  }
  if (kind_ == ReducerKind::Custom && hasData_) return s + " reducer " + std::to_string(customId_);
  return s;
}

void ReductionValue::throwMismatch(const ReductionValue& other, const char* what) const {
  throw std::invalid_argument("charm: a reduction cannot combine " + describe() + " with " +
                              other.describe() + " (" + what +
                              " differ; every contribution to one reduction must use the same "
                              "reducer and the same type and shape of data)");
}

void ReductionValue::combine(const ReductionValue& other) {
  if (&other == this) {
    const ReductionValue copy(other);
    combine(copy);
    return;
  }
  auto adoptsAnyKind = [](const ReductionValue& v) {
    return v.kind_ == ReducerKind::Nop && v.contributions_ == 0 && !v.hasData_;
  };
  if (adoptsAnyKind(other)) return;
  if (adoptsAnyKind(*this)) {
    *this = other;
    return;
  }
  if (kind_ != other.kind_) throwMismatch(other, "the reducers");
  if (isNumericReducer(kind_)) {
    combineNumeric(other);
  } else if (kind_ == ReducerKind::Gather) {
    combineGather(other);
  } else if (kind_ == ReducerKind::Custom) {
    combineCustom(other);
  }
  contributions_ += other.contributions_;
  hasData_ = hasData_ || other.hasData_;
  if (tag_.empty()) tag_ = other.tag_;
}

void ReductionValue::combine(ReductionValue&& other) {
  if (&other == this) {
    combine(static_cast<const ReductionValue&>(other));
    return;
  }
  const bool thisAdoptsAnyKind = kind_ == ReducerKind::Nop && contributions_ == 0 && !hasData_;
  // Taking over other's buffers is only right when this holds no data of its own.
  if (thisAdoptsAnyKind || (kind_ == other.kind_ && !hasData_ && other.hasData_)) {
    const std::uint64_t ownContributions = contributions_;
    std::string ownTag = std::move(tag_);
    *this = std::move(other);
    contributions_ += ownContributions;
    if (!ownTag.empty()) tag_ = std::move(ownTag);
    return;
  }
  combine(static_cast<const ReductionValue&>(other));
}

void ReductionValue::combineNumeric(const ReductionValue& other) {
  if (!other.hasData_) return;
  if (!hasData_) {
    valueType_ = other.valueType_;
    shape_ = other.shape_;
    length_ = other.length_;
    scalar_ = other.scalar_;
    bytes_ = other.bytes_;
    form_ = other.form_;
    return;
  }
  // Forms first: they say what the values are in the caller's terms (a (2, 3) and
  // a (3, 2) array agree in everything below).
  if (form_ != other.form_) throwMismatch(other, "the forms");
  if (valueType_ != other.valueType_) throwMismatch(other, "the element types");
  if (shape_ != other.shape_) throwMismatch(other, "the shapes (scalar, vector, array)");
  if (length_ != other.length_) throwMismatch(other, "the lengths");
  foldNumeric(kind_, valueType_, numericData(), other.numericData(), static_cast<std::size_t>(length_));
}

void ReductionValue::combineGather(const ReductionValue& other) {
  // Append only; sorting by key happens once, in resultBytes().
  const std::uint64_t shift = bytes_.size();
  bytes_.insert(bytes_.end(), other.bytes_.begin(), other.bytes_.end());
  gatherEntries_.reserve(gatherEntries_.size() + other.gatherEntries_.size());
  for (const GatherEntry& entry : other.gatherEntries_)
    gatherEntries_.push_back(GatherEntry{entry.key, entry.offset + shift, entry.length});
}

void ReductionValue::combineCustom(const ReductionValue& other) {
  if (!other.hasData_) return;
  if (!hasData_) {
    customId_ = other.customId_;
    bytes_ = other.bytes_;
    return;
  }
  if (customId_ != other.customId_) throwMismatch(other, "the custom reducer ids");
  findCustom(customId_)(bytes_, other.bytes_.data(), other.bytes_.size());
}

// ----- the final result ----------------------------------------------------------

std::vector<std::byte> ReductionValue::resultBytes() const {
  std::vector<std::byte> out;
  if (isNumericReducer(kind_)) {
    if (!hasData_) return out;
    const std::size_t dataBytes = numericBytes();
    const std::size_t header = shape_ == Shape::Vector ? sizeof(std::uint64_t) : 0;
    out.resize(header + dataBytes);
    if (header != 0) std::memcpy(out.data(), &length_, sizeof length_);
    if (dataBytes != 0) std::memcpy(out.data() + header, numericData(), dataBytes);
  } else if (kind_ == ReducerKind::Gather) {
    std::vector<const GatherEntry*> ordered;
    ordered.reserve(gatherEntries_.size());
    for (const GatherEntry& entry : gatherEntries_) ordered.push_back(&entry);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const GatherEntry* a, const GatherEntry* b) { return a->key < b->key; });
    const std::uint64_t count = ordered.size();
    out.resize(sizeof count + bytes_.size());
    std::memcpy(out.data(), &count, sizeof count);
    std::size_t at = sizeof count;
    for (const GatherEntry* entry : ordered) {
      if (entry->length != 0) std::memcpy(out.data() + at, bytes_.data() + entry->offset, entry->length);
      at += static_cast<std::size_t>(entry->length);
    }
  } else if (kind_ == ReducerKind::Custom) {
    out = bytes_;
  }
  return out;
}

// ----- travelling between PEs ----------------------------------------------------

void ReductionValue::pup(Pup& p) {
  if (p.isUnpacking()) *this = ReductionValue{};
  p | kind_;
  if (p.isUnpacking() && kind_ > ReducerKind::Custom)
    p.throwCorruptValue("reducer kind", static_cast<long long>(kind_));
  p | contributions_;
  p | hasData_;
  p | tag_;
  p | form_;

  if (isNumericReducer(kind_)) {
    if (!hasData_) return;
    p | valueType_;
    p | shape_;
    p | length_;
    if (p.isUnpacking()) {
      if (valueType_ == ValueType::None || valueType_ > ValueType::Double)
        p.throwCorruptValue("reduction value type", static_cast<long long>(valueType_));
      if (shape_ > Shape::FixedArray)
        p.throwCorruptValue("reduction value shape", static_cast<long long>(shape_));
      if (shape_ == Shape::Scalar && length_ != 1)
        p.throwCorruptValue("scalar reduction length", static_cast<long long>(length_));
      if (length_ > p.remaining() / valueTypeSize(valueType_))
        p.throwCorruptValue("reduction vector length", static_cast<long long>(length_));
      if (shape_ != Shape::Scalar) bytes_.resize(numericBytes());
    }
    p.bytes(numericData(), numericBytes());
  } else if (kind_ == ReducerKind::Gather) {
    constexpr std::size_t kMinEntryBytes = 4 + 8;  // empty key + length
    const std::uint64_t count = p.pupCount(gatherEntries_.size(), kMinEntryBytes, "gather items");
    if (p.isUnpacking()) {
      gatherEntries_.resize(static_cast<std::size_t>(count));
      for (GatherEntry& entry : gatherEntries_) {
        p | entry.key;
        p | entry.length;
        if (entry.length > p.remaining())
          p.throwCorruptValue("gather item length", static_cast<long long>(entry.length));
        entry.offset = bytes_.size();
        bytes_.resize(bytes_.size() + static_cast<std::size_t>(entry.length));
        p.bytes(bytes_.data() + entry.offset, static_cast<std::size_t>(entry.length));
      }
    } else {
      for (GatherEntry& entry : gatherEntries_) {
        p | entry.key;
        p | entry.length;
        p.bytes(bytes_.data() + entry.offset, static_cast<std::size_t>(entry.length));
      }
    }
  } else if (kind_ == ReducerKind::Custom) {
    p | customId_;
    p | bytes_;
  }
}

}  // namespace charm
