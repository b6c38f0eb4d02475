// Unit tests of charm::Butterfly (the exchange schedule of allreduce) and of the
// in-place, order-aware combine the exchanges use (charm::combineNumericRaw).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

#include "runtime/butterfly.h"
#include "charm/reducer.h"

namespace {

// What participant r holds: how many times each participant's contribution is
// folded in. The combination must end with every one exactly once, everywhere.
using Holding = std::map<int, int>;

Holding merge(const Holding& a, const Holding& b) {
  Holding m = a;
  for (const auto& [who, times] : b) m[who] += times;
  return m;
}

}  // namespace

TEST_CASE("butterfly partners pair up symmetrically for 1 to 9 participants", "[butterfly]") {
  const std::vector<int> expectedRounds = {0, 1, 1, 2, 2, 2, 2, 3, 3};
  for (int n = 1; n <= 9; ++n) {
    INFO("n=" << n);
    const charm::Butterfly first(n, 0);
    CHECK(first.rounds() == expectedRounds[static_cast<std::size_t>(n - 1)]);
    CHECK(first.core() == (1 << first.rounds()));
    CHECK(first.core() <= n);
    CHECK(2 * first.core() > n);
    for (int r = 0; r < n; ++r) {
      const charm::Butterfly b(n, r);
      INFO("rank=" << r);
      CHECK(b.isExtra() == (r >= b.core()));
      if (b.isExtra()) {
        CHECK(!b.hasExtraPartner());
        const charm::Butterfly partner(n, b.foldPartner());
        CHECK(!partner.isExtra());
        CHECK(partner.hasExtraPartner());
        CHECK(partner.foldPartner() == r);
      } else {
        for (int round = 1; round <= b.rounds(); ++round) {
          const int p = b.partner(round);
          CHECK(p != r);
          CHECK(p >= 0);
          CHECK(p < b.core());
          CHECK(charm::Butterfly(n, p).partner(round) == r);
        }
        if (!b.hasExtraPartner()) CHECK(b.foldPartner() == -1);
      }
    }
  }
}

TEST_CASE("following the butterfly, every participant ends with each contribution exactly once",
          "[butterfly]") {
  for (int n = 1; n <= 9; ++n) {
    INFO("n=" << n);
    std::vector<Holding> holds(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) holds[static_cast<std::size_t>(r)][r] = 1;
    const charm::Butterfly shape(n, 0);
    // Step 0: the extra participants fold into their core partners.
    for (int r = shape.core(); r < n; ++r) {
      const int into = charm::Butterfly(n, r).foldPartner();
      holds[static_cast<std::size_t>(into)] =
          merge(holds[static_cast<std::size_t>(into)], holds[static_cast<std::size_t>(r)]);
    }
    // Rounds: every core pair swaps at the same time.
    for (int round = 1; round <= shape.rounds(); ++round) {
      std::vector<Holding> next = holds;
      for (int r = 0; r < shape.core(); ++r) {
        const int p = charm::Butterfly(n, r).partner(round);
        next[static_cast<std::size_t>(r)] =
            merge(holds[static_cast<std::size_t>(r)], holds[static_cast<std::size_t>(p)]);
      }
      holds = next;
    }
    // Fold out: the extras receive their partner's result.
    for (int r = shape.core(); r < n; ++r)
      holds[static_cast<std::size_t>(r)] =
          holds[static_cast<std::size_t>(charm::Butterfly(n, r).foldPartner())];
    for (int r = 0; r < n; ++r) {
      INFO("rank=" << r);
      REQUIRE(holds[static_cast<std::size_t>(r)].size() == static_cast<std::size_t>(n));
      for (const auto& [who, times] : holds[static_cast<std::size_t>(r)]) CHECK(times == 1);
    }
  }
}

TEST_CASE("a butterfly refuses a rank outside its participants", "[butterfly]") {
  CHECK_THROWS_AS(charm::Butterfly(0, 0), std::invalid_argument);
  CHECK_THROWS_AS(charm::Butterfly(3, 3), std::invalid_argument);
  CHECK_THROWS_AS(charm::Butterfly(3, -1), std::invalid_argument);
}

TEST_CASE("combining in place keeps the operand order it is told, bit for bit", "[butterfly][reducer]") {
  // min(+0, -0) and max(+0, -0) give their first operand: the order decides the bits.
  const double zeros[2] = {0.0, -0.0};
  for (int first = 0; first < 2; ++first) {
    const double a = zeros[first], b = zeros[1 - first];
    double into = b;
    charm::combineNumericRaw(charm::ReducerKind::Min, charm::ValueType::Double,
                             reinterpret_cast<std::byte*>(&into), reinterpret_cast<const std::byte*>(&a),
                             1, /*otherFirst=*/true);
    CHECK(std::signbit(into) == std::signbit(a));  // min(a, b) with a first
    double into2 = b;
    charm::combineNumericRaw(charm::ReducerKind::Min, charm::ValueType::Double,
                             reinterpret_cast<std::byte*>(&into2),
                             reinterpret_cast<const std::byte*>(&a), 1, /*otherFirst=*/false);
    CHECK(std::signbit(into2) == std::signbit(b));  // min(b, a) with b first
  }
}

TEST_CASE("combining in place folds the other side straight from its memory", "[butterfly][reducer]") {
  // A large vector (the zero-copy path's size) of each type family.
  const std::size_t n = 100000;
  std::vector<double> into(n), other(n);
  std::vector<std::int32_t> ints(n), moreInts(n);
  for (std::size_t i = 0; i < n; ++i) {
    into[i] = static_cast<double>(i);
    other[i] = 0.5 * static_cast<double>(i);
    ints[i] = static_cast<std::int32_t>(i);
    moreInts[i] = -3 * static_cast<std::int32_t>(i);
  }
  const std::vector<double> otherBefore = other;
  charm::combineNumericRaw(charm::ReducerKind::Sum, charm::ValueType::Double,
                           reinterpret_cast<std::byte*>(into.data()),
                           reinterpret_cast<const std::byte*>(other.data()), n, false);
  charm::combineNumericRaw(charm::ReducerKind::Max, charm::ValueType::Int32,
                           reinterpret_cast<std::byte*>(ints.data()),
                           reinterpret_cast<const std::byte*>(moreInts.data()), n, true);
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(into[i] == 1.5 * static_cast<double>(i));
    REQUIRE(ints[i] == static_cast<std::int32_t>(i));
  }
  CHECK(other == otherBefore);  // the other side is only read
  // Logical reducers normalise what they produce; Nop and Gather leave the data alone.
  std::int16_t a[3] = {5, 0, -2}, b[3] = {0, 0, 7};
  charm::combineNumericRaw(charm::ReducerKind::LogicalOr, charm::ValueType::Int16,
                           reinterpret_cast<std::byte*>(a), reinterpret_cast<const std::byte*>(b), 3, false);
  CHECK((a[0] == 1 && a[1] == 0 && a[2] == 1));
  charm::combineNumericRaw(charm::ReducerKind::Gather, charm::ValueType::Int16,
                           reinterpret_cast<std::byte*>(a), reinterpret_cast<const std::byte*>(b), 3, false);
  CHECK((a[0] == 1 && a[1] == 0 && a[2] == 1));
  std::int16_t c[2] = {9, 0};
  charm::normaliseLogicalRaw(charm::ReducerKind::LogicalAnd, charm::ValueType::Int16,
                             reinterpret_cast<std::byte*>(c), 2);
  CHECK((c[0] == 1 && c[1] == 0));
}
