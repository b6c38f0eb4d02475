// ElementKey: names one element of one collection (collection id + index), as a
// hash-map key for the tables that follow elements (locations, messages waiting
// for an element, section positions).
#pragma once

#include <cstddef>

#include "charm/detail/envelope.h"
#include "charm/index.h"

namespace charm {

struct ElementKey {
  CollectionId collection = 0;
  ArrayIndex index;
  friend bool operator==(const ElementKey& a, const ElementKey& b) {
    return a.collection == b.collection && a.index == b.index;
  }
};

struct ElementKeyHash {
  std::size_t operator()(const ElementKey& k) const noexcept {
    return ArrayIndexHash{}(k.index) ^ (k.collection * 0x9E3779B97F4A7C15ull);
  }
};

}  // namespace charm
