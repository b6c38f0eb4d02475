// ArrayIndex: the index of an element in a collection. Arrays use 1- to 6-d
// integer indices; a group element's index is its PE (1-d) and a singleton chare's
// is the 1-d index 0. Fixed size and trivially copyable so it lives in the message
// envelope. Ordering is lexicographic (gather results come in this order).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace charm {

inline constexpr int kMaxIndexDims = 6;

struct ArrayIndex {
  std::int32_t ndims = 0;
  std::array<std::int32_t, kMaxIndexDims> values{};

  ArrayIndex() = default;
  ArrayIndex(std::initializer_list<std::int32_t> v) {
    if (v.size() < 1 || v.size() > kMaxIndexDims)
      throw std::invalid_argument("charm::ArrayIndex: an index has 1 to 6 dimensions, got " +
                                  std::to_string(v.size()));
    ndims = static_cast<std::int32_t>(v.size());
    std::size_t i = 0;
    for (auto x : v) values[i++] = x;
  }
  static ArrayIndex of1d(std::int32_t i) {
    ArrayIndex idx;
    idx.ndims = 1;
    idx.values[0] = i;
    return idx;
  }

  std::int32_t operator[](int d) const { return values[static_cast<std::size_t>(d)]; }
  std::int32_t& operator[](int d) { return values[static_cast<std::size_t>(d)]; }

  friend bool operator==(const ArrayIndex& a, const ArrayIndex& b) {
    if (a.ndims != b.ndims) return false;
    for (int d = 0; d < a.ndims; ++d)
      if (a[d] != b[d]) return false;
    return true;
  }
  // Lexicographic over the dimensions; fewer dimensions sort first.
  friend bool operator<(const ArrayIndex& a, const ArrayIndex& b) {
    if (a.ndims != b.ndims) return a.ndims < b.ndims;
    for (int d = 0; d < a.ndims; ++d)
      if (a[d] != b[d]) return a[d] < b[d];
    return false;
  }

  std::string toString() const {
    std::string s = "(";
    for (int d = 0; d < ndims; ++d) {
      if (d) s += ", ";
      s += std::to_string(values[static_cast<std::size_t>(d)]);
    }
    return s + (ndims == 1 ? ",)" : ")");
  }
};

struct ArrayIndexHash {
  std::size_t operator()(const ArrayIndex& idx) const noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(idx.ndims);
    for (int d = 0; d < idx.ndims; ++d) {
      h ^= static_cast<std::uint32_t>(idx[d]);
      h *= 0xff51afd7ed558ccdull;
      h ^= h >> 33;
    }
    return static_cast<std::size_t>(h);
  }
};

}  // namespace charm
