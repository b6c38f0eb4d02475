// Pup ("pack/unpack", after Charm++'s PUP framework): one serialization routine
// per type serves three purposes. A type describes its contents once, in
// `void pup(charm::Pup& p) { p | a; p | b; }`, and the same code then counts the
// bytes needed (sizing), writes them (packing) or reads them back (unpacking).
// Messages, migrating chares and reduction partials all travel in this format.
//
// How `p | x` finds the routine for a type T:
//   - arithmetic types and enums: their raw bytes;
//   - a member `void pup(charm::Pup&)` (your own types);
//   - otherwise a specialisation `charm::PupTraits<T>` with
//     `static void pup(charm::Pup&, T&)` (types you cannot add a member to; this
//     header provides them for the standard containers listed below and ArrayIndex).
// Unpacking writes into default-constructed objects, so every unpacked type must be
// default-constructible.
//
// Wire format (other code, e.g. resultBytes() of reducers and the Python layer,
// builds and parses it directly, so treat it as stable):
//   - arithmetic value, enum: its raw bytes in native endianness (all PEs of a job
//     share one architecture); bool: one byte, 0 or 1 (any non-zero reads as true);
//   - std::vector<T>, std::string, std::map, std::unordered_map, std::set,
//     std::unordered_set: a uint64 element count followed by the concatenation of
//     the encodings of the elements (maps: key then value, in iteration order). For
//     a vector of arithmetic (non-bool) T this is exactly the raw array, copied as
//     one block; std::vector<bool> is element-wise, one byte per element;
//   - std::array<T, N>: the N element encodings, no count;
//   - std::pair, std::tuple: the members in order;
//   - std::optional<T>: one byte (0 empty, 1 present) then T if present;
//   - std::variant<Ts...>: uint32 alternative index then the alternative;
//   - std::complex<T>: real then imaginary part;
//   - ArrayIndex: int32 number of dimensions, then that many int32 values.
//
// Errors: reading past the end of the input, a corrupt length or flag, or writing
// past the capacity of the output throws PupError; nothing is ever read or
// written out of bounds.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "charm/index.h"

namespace charm {

// Thrown on truncated or corrupt input and on output overflow.
class PupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Pup;

// Customisation point for types that cannot have a `pup` member. Specialise it
// with `static void pup(Pup&, T&)` and, optionally, `static constexpr
// std::size_t kMinBytes` (the smallest possible encoding; lets container
// unpacking reject corrupt element counts before allocating).
template <class T, class Enable = void>
struct PupTraits {
  static constexpr bool kUnsupported = true;
};

namespace pup_detail {

template <class T>
struct IsComplex : std::false_type {};
template <class T>
struct IsComplex<std::complex<T>> : std::is_arithmetic<T> {};

// True when the encoding of T is exactly its in-memory bytes, so arrays of T
// can be copied as one block.
template <class T>
inline constexpr bool kIsRaw = (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) ||
                               std::is_enum_v<T> || IsComplex<T>::value;

template <class T>
concept HasPupMember = requires(T& value, Pup& p) { value.pup(p); };

template <class T>
concept HasPupTraits = requires(T& value, Pup& p) { PupTraits<T>::pup(p, value); };

template <class T>
inline constexpr bool kAlwaysFalse = false;

// Smallest number of bytes any value of T encodes to (0 when unknown).
template <class T>
constexpr std::size_t minEncodedSize() {
  if constexpr (kIsRaw<T>) {
    return sizeof(T);
  } else if constexpr (std::is_same_v<T, bool>) {
    return 1;
  } else if constexpr (requires { PupTraits<T>::kMinBytes; }) {
    return PupTraits<T>::kMinBytes;
  } else {
    return 0;
  }
}

template <class T>
void pupValue(Pup& p, T& value);

}  // namespace pup_detail

class Pup {
 public:
  enum class Mode : std::uint8_t { Sizing, Packing, Unpacking };

  // Counts the bytes that packing would write; touches no memory.
  static Pup sizer() noexcept { return Pup(Mode::Sizing, nullptr, 0); }
  // Writes into dst[0, capacity).
  static Pup packer(std::byte* dst, std::size_t capacity) noexcept {
    return Pup(Mode::Packing, dst, capacity);
  }
  // Reads from src[0, length). The source is never written (the const_cast only
  // lets one pointer member serve all three modes).
  static Pup unpacker(const std::byte* src, std::size_t length) noexcept {
    return Pup(Mode::Unpacking, const_cast<std::byte*>(src), length);
  }

  Mode mode() const noexcept { return mode_; }
  bool isSizing() const noexcept { return mode_ == Mode::Sizing; }
  bool isPacking() const noexcept { return mode_ == Mode::Packing; }
  bool isUnpacking() const noexcept { return mode_ == Mode::Unpacking; }

  // Bytes counted / written / read so far.
  std::size_t offset() const noexcept { return offset_; }
  // Bytes left before the end of the buffer (unbounded when sizing).
  std::size_t remaining() const noexcept {
    return isSizing() ? std::numeric_limits<std::size_t>::max() : limit_ - offset_;
  }

  // A raw block of n bytes at p: counted, copied out of p, or copied into p.
  void bytes(void* p, std::size_t n) {
    switch (mode_) {
      case Mode::Sizing:
        offset_ += n;
        return;
      case Mode::Packing:
        if (n > limit_ - offset_) throwOverflow(n);
        if (n != 0) std::memcpy(buffer_ + offset_, p, n);
        offset_ += n;
        return;
      case Mode::Unpacking:
        if (n > limit_ - offset_) throwTruncated(n);
        if (n != 0) std::memcpy(p, buffer_ + offset_, n);
        offset_ += n;
        return;
    }
  }

  // Pups one value. A const value may be sized or packed but not unpacked into.
  template <class T>
  Pup& operator|(T& value) {
    if constexpr (std::is_const_v<T>) {
      if (isUnpacking()) throwConstTarget();
      pup_detail::pupValue(*this, const_cast<std::remove_const_t<T>&>(value));
    } else {
      pup_detail::pupValue(*this, value);
    }
    return *this;
  }

  // The uint64 element count that starts a container's encoding: writes `count`
  // when sizing/packing, reads and returns it when unpacking. On unpacking, a
  // count whose elements (at least `minElementBytes` each) cannot fit in the
  // remaining input is rejected, so corrupt input cannot trigger a huge
  // allocation.
  std::uint64_t pupCount(std::uint64_t count, std::size_t minElementBytes, const char* what) {
    bytes(&count, sizeof count);
    if (isUnpacking() && minElementBytes != 0 && count > remaining() / minElementBytes)
      throwCorrupt(what, count, minElementBytes);
    return count;
  }

  // Throws unless all input has been consumed (after unpacking one whole value).
  void expectEnd(const char* what) const {
    if (isUnpacking() && offset_ != limit_) throwTrailing(what);
  }

  [[noreturn]] void throwCorruptValue(const char* what, long long value) const {
    throw PupError(std::string("charm::Pup: corrupt input: ") + what + " has invalid value " +
                   std::to_string(value) + " at offset " + std::to_string(offset_));
  }

 private:
  Pup(Mode mode, std::byte* buffer, std::size_t limit) noexcept
      : mode_(mode), buffer_(buffer), limit_(limit) {}

  [[noreturn, gnu::cold]] void throwOverflow(std::size_t n) const {
    throw PupError("charm::Pup: packing overflow: writing " + std::to_string(n) +
                   " bytes at offset " + std::to_string(offset_) + " exceeds the capacity of " +
                   std::to_string(limit_) + " bytes");
  }
  [[noreturn, gnu::cold]] void throwTruncated(std::size_t n) const {
    throw PupError("charm::Pup: truncated input: reading " + std::to_string(n) +
                   " bytes at offset " + std::to_string(offset_) + " but the input has only " +
                   std::to_string(limit_) + " bytes");
  }
  [[noreturn, gnu::cold]] void throwCorrupt(const char* what, std::uint64_t count,
                                            std::size_t minElementBytes) const {
    throw PupError(std::string("charm::Pup: corrupt input: ") + what + " claims " +
                   std::to_string(count) + " elements of at least " +
                   std::to_string(minElementBytes) + " bytes but only " +
                   std::to_string(remaining()) + " bytes remain");
  }
  [[noreturn, gnu::cold]] void throwTrailing(const char* what) const {
    throw PupError(std::string(what) + ": " + std::to_string(limit_ - offset_) +
                   " bytes left over after unpacking " + std::to_string(offset_) + " of " +
                   std::to_string(limit_) +
                   " bytes (were they packed as a different type?)");
  }
  [[noreturn, gnu::cold]] static void throwConstTarget() {
    throw PupError("charm::Pup: cannot unpack into a const object");
  }

  Mode mode_;
  std::byte* buffer_;
  std::size_t limit_;
  std::size_t offset_ = 0;
};

namespace pup_detail {

template <class T>
void pupValue(Pup& p, T& value) {
  if constexpr (kIsRaw<T>) {
    p.bytes(&value, sizeof value);
  } else if constexpr (std::is_same_v<T, bool>) {
    // One byte on the wire; reading any byte into a bool directly would be UB.
    std::uint8_t byte = value ? 1 : 0;
    p.bytes(&byte, 1);
    value = byte != 0;
  } else if constexpr (HasPupMember<T>) {
    value.pup(p);
  } else if constexpr (HasPupTraits<T>) {
    PupTraits<T>::pup(p, value);
  } else {
    static_assert(kAlwaysFalse<T>,
                  "charm::Pup: this type is not pup-able; give it a member "
                  "`void pup(charm::Pup&)` or specialise charm::PupTraits<T>");
  }
}

// Unpacks `count` elements of T one at a time, appending with `insert`.
template <class T, class Insert>
void unpackElements(Pup& p, std::uint64_t count, Insert insert) {
  for (std::uint64_t i = 0; i < count; ++i) {
    T element{};
    p | element;
    insert(std::move(element));
  }
}

}  // namespace pup_detail

// ----- standard library types ------------------------------------------------

template <class T, class Alloc>
struct PupTraits<std::vector<T, Alloc>> {
  static constexpr std::size_t kMinBytes = 8;
  static void pup(Pup& p, std::vector<T, Alloc>& v) {
    constexpr std::size_t elementMin = pup_detail::minEncodedSize<T>();
    const std::uint64_t count = p.pupCount(v.size(), elementMin, "std::vector");
    if constexpr (pup_detail::kIsRaw<T>) {
      if (p.isUnpacking()) v.resize(static_cast<std::size_t>(count));
      p.bytes(v.data(), static_cast<std::size_t>(count) * sizeof(T));
    } else if constexpr (std::is_same_v<T, bool>) {
      // std::vector<bool> packs bits, so there is no array to copy.
      if (p.isUnpacking()) v.assign(static_cast<std::size_t>(count), false);
      for (std::size_t i = 0; i < v.size(); ++i) {
        bool element = v[i];
        p | element;
        v[i] = element;
      }
    } else if (p.isUnpacking()) {
      v.clear();
      if (elementMin != 0) v.reserve(static_cast<std::size_t>(count));
      pup_detail::unpackElements<T>(p, count, [&](T&& e) { v.push_back(std::move(e)); });
    } else {
      for (auto& element : v) p | element;
    }
  }
};

template <class Char, class CharTraits, class Alloc>
struct PupTraits<std::basic_string<Char, CharTraits, Alloc>> {
  static constexpr std::size_t kMinBytes = 8;
  static void pup(Pup& p, std::basic_string<Char, CharTraits, Alloc>& s) {
    const std::uint64_t count = p.pupCount(s.size(), sizeof(Char), "std::string");
    if (p.isUnpacking()) s.resize(static_cast<std::size_t>(count));
    p.bytes(s.data(), static_cast<std::size_t>(count) * sizeof(Char));
  }
};

template <class T, std::size_t N>
struct PupTraits<std::array<T, N>> {
  static constexpr std::size_t kMinBytes = N * pup_detail::minEncodedSize<T>();
  static void pup(Pup& p, std::array<T, N>& a) {
    if constexpr (pup_detail::kIsRaw<T>) {
      p.bytes(a.data(), N * sizeof(T));
    } else {
      for (auto& element : a) p | element;
    }
  }
};

template <class A, class B>
struct PupTraits<std::pair<A, B>> {
  static constexpr std::size_t kMinBytes =
      pup_detail::minEncodedSize<A>() + pup_detail::minEncodedSize<B>();
  static void pup(Pup& p, std::pair<A, B>& v) {
    p | v.first;
    p | v.second;
  }
};

template <class... Ts>
struct PupTraits<std::tuple<Ts...>> {
  static constexpr std::size_t kMinBytes = (std::size_t{0} + ... + pup_detail::minEncodedSize<Ts>());
  static void pup(Pup& p, std::tuple<Ts...>& v) {
    std::apply([&p](auto&... elements) { ((p | elements), ...); }, v);
  }
};

template <class T>
struct PupTraits<std::optional<T>> {
  static constexpr std::size_t kMinBytes = 1;
  static void pup(Pup& p, std::optional<T>& v) {
    std::uint8_t present = v.has_value() ? 1 : 0;
    p.bytes(&present, 1);
    if (p.isUnpacking()) {
      if (present > 1) p.throwCorruptValue("std::optional presence flag", present);
      if (!present) {
        v.reset();
        return;
      }
      v.emplace();
    }
    if (present) p | *v;
  }
};

template <class... Ts>
struct PupTraits<std::variant<Ts...>> {
  static constexpr std::size_t kMinBytes = 4;
  static void pup(Pup& p, std::variant<Ts...>& v) {
    if (!p.isUnpacking() && v.valueless_by_exception())
      throw PupError("charm::Pup: cannot pack a valueless std::variant");
    std::uint32_t index = static_cast<std::uint32_t>(v.index());
    p | index;
    if (p.isUnpacking()) {
      if (index >= sizeof...(Ts)) p.throwCorruptValue("std::variant alternative index", index);
      emplaceAlternative(v, index, std::index_sequence_for<Ts...>{});
    }
    std::visit([&p](auto& alternative) { p | alternative; }, v);
  }

 private:
  template <std::size_t... Is>
  static void emplaceAlternative(std::variant<Ts...>& v, std::uint32_t index,
                                 std::index_sequence<Is...>) {
    ((index == Is ? (v.template emplace<Is>(), void()) : void()), ...);
  }
};

// Shared by map-like containers: count, then key/value pairs.
template <class Map>
struct PupMapTraits {
  using Key = typename Map::key_type;
  using Value = typename Map::mapped_type;
  static constexpr std::size_t kMinBytes = 8;
  static void pup(Pup& p, Map& m, const char* what) {
    constexpr std::size_t pairMin =
        pup_detail::minEncodedSize<Key>() + pup_detail::minEncodedSize<Value>();
    const std::uint64_t count = p.pupCount(m.size(), pairMin, what);
    if (p.isUnpacking()) {
      m.clear();
      for (std::uint64_t i = 0; i < count; ++i) {
        Key key{};
        Value value{};
        p | key;
        p | value;
        m.emplace(std::move(key), std::move(value));
      }
    } else {
      for (auto& [key, value] : m) {
        p | key;
        p | value;
      }
    }
  }
};

// Shared by set-like containers: count, then keys.
template <class Set>
struct PupSetTraits {
  using Key = typename Set::key_type;
  static constexpr std::size_t kMinBytes = 8;
  static void pup(Pup& p, Set& s, const char* what) {
    const std::uint64_t count = p.pupCount(s.size(), pup_detail::minEncodedSize<Key>(), what);
    if (p.isUnpacking()) {
      s.clear();
      pup_detail::unpackElements<Key>(p, count, [&](Key&& k) { s.insert(std::move(k)); });
    } else {
      for (auto& key : s) p | key;
    }
  }
};

template <class K, class V, class Compare, class Alloc>
struct PupTraits<std::map<K, V, Compare, Alloc>> : PupMapTraits<std::map<K, V, Compare, Alloc>> {
  static void pup(Pup& p, std::map<K, V, Compare, Alloc>& m) {
    PupMapTraits<std::map<K, V, Compare, Alloc>>::pup(p, m, "std::map");
  }
};

template <class K, class V, class Hash, class Eq, class Alloc>
struct PupTraits<std::unordered_map<K, V, Hash, Eq, Alloc>>
    : PupMapTraits<std::unordered_map<K, V, Hash, Eq, Alloc>> {
  static void pup(Pup& p, std::unordered_map<K, V, Hash, Eq, Alloc>& m) {
    PupMapTraits<std::unordered_map<K, V, Hash, Eq, Alloc>>::pup(p, m, "std::unordered_map");
  }
};

template <class K, class Compare, class Alloc>
struct PupTraits<std::set<K, Compare, Alloc>> : PupSetTraits<std::set<K, Compare, Alloc>> {
  static void pup(Pup& p, std::set<K, Compare, Alloc>& s) {
    PupSetTraits<std::set<K, Compare, Alloc>>::pup(p, s, "std::set");
  }
};

template <class K, class Hash, class Eq, class Alloc>
struct PupTraits<std::unordered_set<K, Hash, Eq, Alloc>>
    : PupSetTraits<std::unordered_set<K, Hash, Eq, Alloc>> {
  static void pup(Pup& p, std::unordered_set<K, Hash, Eq, Alloc>& s) {
    PupSetTraits<std::unordered_set<K, Hash, Eq, Alloc>>::pup(p, s, "std::unordered_set");
  }
};

template <>
struct PupTraits<ArrayIndex> {
  static constexpr std::size_t kMinBytes = 4;
  static void pup(Pup& p, ArrayIndex& index) {
    std::int32_t ndims = index.ndims;
    p | ndims;
    if (p.isUnpacking()) {
      if (ndims < 0 || ndims > kMaxIndexDims)
        p.throwCorruptValue("ArrayIndex dimension count", ndims);
      index = ArrayIndex{};  // unused dimensions stay zero, as == and hashing assume
      index.ndims = ndims;
    }
    p.bytes(index.values.data(), static_cast<std::size_t>(ndims) * sizeof(std::int32_t));
  }
};

// ----- convenience functions for the runtime's hot paths --------------------

// Bytes that packInto(..., values...) writes.
template <class... Ts>
std::size_t packedSize(const Ts&... values) {
  Pup p = Pup::sizer();
  ((p | values), ...);
  return p.offset();
}

// Packs `values` one after another into dst[0, capacity); returns the bytes
// written. Throws PupError if they do not fit.
template <class... Ts>
std::size_t packInto(std::byte* dst, std::size_t capacity, const Ts&... values) {
  Pup p = Pup::packer(dst, capacity);
  ((p | values), ...);
  return p.offset();
}

// Unpacks one T that must fill src[0, length) exactly: leftover bytes mean the
// sender packed something else, so they throw PupError rather than pass silently.
template <class T>
T unpackAs(const std::byte* src, std::size_t length) {
  static_assert(std::is_default_constructible_v<T>, "charm::unpackAs needs a default-constructible type");
  T value{};
  Pup p = Pup::unpacker(src, length);
  p | value;
  p.expectEnd("charm::unpackAs");
  return value;
}

// Unpacks values packed by packInto(dst, cap, Ts...); must fill src[0, length)
// exactly, like unpackAs.
template <class... Ts>
std::tuple<Ts...> unpackTuple(const std::byte* src, std::size_t length) {
  static_assert((std::is_default_constructible_v<Ts> && ...),
                "charm::unpackTuple needs default-constructible types");
  std::tuple<Ts...> values{};
  Pup p = Pup::unpacker(src, length);
  std::apply([&p](auto&... elements) { ((p | elements), ...); }, values);
  p.expectEnd("charm::unpackTuple");
  return values;
}

}  // namespace charm
