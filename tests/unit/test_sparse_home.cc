// Unit tests of the pure pieces of sparse arrays: the home PE of an element (a
// hash of its index, the same everywhere, spread evenly over the PEs) and a
// sparse array's collection state before and after its elements are counted.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "runtime/collection.h"

TEST_CASE("a sparse element's home is in range and the same on every call", "[sparse]") {
  for (int pes : {1, 2, 3, 7, 64}) {
    for (int i = -50; i < 50; ++i) {
      const charm::ArrayIndex idx = charm::ArrayIndex::of1d(i);
      const int home = charm::sparseHomePe(idx, pes);
      CHECK(home >= 0);
      CHECK(home < pes);
      CHECK(charm::sparseHomePe(idx, pes) == home);
    }
  }
  CHECK(charm::sparseHomePe(charm::ArrayIndex{1 << 30, -7, 3}, 5) == charm::sparseHomePe(charm::ArrayIndex{1 << 30, -7, 3}, 5));
}

TEST_CASE("sparse homes spread 1-d ranges and 2-d grids evenly over the PEs", "[sparse]") {
  for (int pes : {4, 8, 13}) {
    std::vector<int> ones(static_cast<std::size_t>(pes)), twos(static_cast<std::size_t>(pes));
    const int n = 400 * pes;
    for (int i = 0; i < n; ++i) ++ones[static_cast<std::size_t>(charm::sparseHomePe(charm::ArrayIndex::of1d(i), pes))];
    for (int i = 0; i < 20 * pes; ++i)
      for (int j = 0; j < 20; ++j) ++twos[static_cast<std::size_t>(charm::sparseHomePe(charm::ArrayIndex{i, j}, pes))];
    for (const auto* counts : {&ones, &twos}) {
      const auto [lo, hi] = std::minmax_element(counts->begin(), counts->end());
      CHECK(*lo > 300);  // 400 each on average
      CHECK(*hi < 500);
    }
  }
}

TEST_CASE("the dimensions of an index all count towards its home", "[sparse]") {
  // (i, j) and (j, i) and (i,) must not all collide: count distinct homes.
  int differ = 0;
  for (int i = 0; i < 100; ++i)
    differ += charm::sparseHomePe(charm::ArrayIndex{i, 1}, 16) != charm::sparseHomePe(charm::ArrayIndex{1, i}, 16);
  CHECK(differ > 60);
  int differ1d = 0;
  for (int i = 0; i < 100; ++i)
    differ1d += charm::sparseHomePe(charm::ArrayIndex{i, 0}, 16) != charm::sparseHomePe(charm::ArrayIndex::of1d(i), 16);
  CHECK(differ1d > 60);
}

TEST_CASE("a sparse array holds no elements and has no size until it is counted", "[sparse]") {
  charm::CollectionSpec spec;
  spec.kind = charm::CollectionKind::Array;
  spec.dims = charm::sparseDims(2);
  spec.sparse = true;
  CHECK(charm::isSparseDims(spec.dims));
  charm::Collection c(7, spec, 4);
  CHECK_FALSE(c.sizeKnown());
  CHECK(c.totalElements() == 0);
  CHECK(c.indicesOn(0).empty());
  REQUIRE(c.insertion);
  CHECK(c.peOf(charm::ArrayIndex{3, 4}) == charm::sparseHomePe(charm::ArrayIndex{3, 4}, 4));
  c.setElementCounts({2, 0, 5, 1});
  CHECK(c.sizeKnown());
  CHECK(c.totalElements() == 8);
  CHECK(c.elementsOnPe(2) == 5);
  CHECK_THROWS_AS(c.setElementCounts({1, 2}), std::logic_error);
  CHECK_THROWS_AS(charm::sparseDims(0), std::invalid_argument);
  CHECK_THROWS_AS(charm::sparseDims(7), std::invalid_argument);
}

TEST_CASE("a sparse spec survives packing", "[sparse]") {
  charm::CollectionSpec spec;
  spec.dims = charm::sparseDims(3);
  spec.sparse = true;
  const std::size_t size = charm::packedSize(spec);
  std::vector<std::byte> bytes(size);
  charm::packInto(bytes.data(), size, spec);
  const auto back = charm::unpackAs<charm::CollectionSpec>(bytes.data(), size);
  CHECK(back.sparse);
  CHECK(back.dims.ndims == 3);
  CHECK(charm::isSparseDims(back.dims));
}
