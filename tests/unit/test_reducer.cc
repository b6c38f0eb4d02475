// Unit tests of charm::ReductionValue: every built-in reducer on scalars and
// vectors, gather ordering, contribution counting, identities, mismatch errors,
// partials travelling through pup, custom reducers, and forms (what the values
// stand for to the embedding layer) that must agree.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "charm/pup.h"
#include "charm/reducer.h"

namespace {

using charm::ArrayIndex;
using charm::ReducerKind;
using charm::ReductionValue;

// Folds numeric contributions of `values` with `kind`, in the given order.
template <class T>
ReductionValue reduceAll(ReducerKind kind, const std::vector<T>& values) {
  ReductionValue acc = ReductionValue::identity(ReducerKind::Nop);
  for (const T& v : values) acc.combine(ReductionValue::numeric(kind, v));
  return acc;
}

template <class T>
T resultAs(const ReductionValue& v) {
  const auto bytes = v.resultBytes();
  return charm::unpackAs<T>(bytes.data(), bytes.size());
}

// Sends a value through the wire format and back.
ReductionValue throughPup(const ReductionValue& v) {
  std::vector<std::byte> buffer(charm::packedSize(v));
  charm::packInto(buffer.data(), buffer.size(), v);
  return charm::unpackAs<ReductionValue>(buffer.data(), buffer.size());
}

}  // namespace

TEST_CASE("valueTypeOf maps C++ arithmetic types", "[reducer]") {
  STATIC_REQUIRE(charm::valueTypeOf<bool>() == charm::ValueType::Bool);
  STATIC_REQUIRE(charm::valueTypeOf<std::int8_t>() == charm::ValueType::Int8);
  STATIC_REQUIRE(charm::valueTypeOf<short>() == charm::ValueType::Int16);
  STATIC_REQUIRE(charm::valueTypeOf<int>() == charm::ValueType::Int32);
  STATIC_REQUIRE(charm::valueTypeOf<long>() == charm::ValueType::Int64);
  STATIC_REQUIRE(charm::valueTypeOf<long long>() == charm::ValueType::Int64);
  STATIC_REQUIRE(charm::valueTypeOf<unsigned char>() == charm::ValueType::UInt8);
  STATIC_REQUIRE(charm::valueTypeOf<std::uint16_t>() == charm::ValueType::UInt16);
  STATIC_REQUIRE(charm::valueTypeOf<unsigned>() == charm::ValueType::UInt32);
  STATIC_REQUIRE(charm::valueTypeOf<std::size_t>() == charm::ValueType::UInt64);
  STATIC_REQUIRE(charm::valueTypeOf<float>() == charm::ValueType::Float);
  STATIC_REQUIRE(charm::valueTypeOf<const double>() == charm::ValueType::Double);
}

TEMPLATE_TEST_CASE("sum, product, min and max of scalars", "[reducer]", std::int8_t, std::int16_t,
                   std::int32_t, std::int64_t, std::uint8_t, std::uint16_t, std::uint32_t,
                   std::uint64_t, float, double) {
  const std::vector<TestType> values{TestType(3), TestType(1), TestType(4), TestType(1), TestType(5)};
  CHECK(resultAs<TestType>(reduceAll(ReducerKind::Sum, values)) == TestType(14));
  CHECK(resultAs<TestType>(reduceAll(ReducerKind::Product, values)) == TestType(60));
  CHECK(resultAs<TestType>(reduceAll(ReducerKind::Min, values)) == TestType(1));
  CHECK(resultAs<TestType>(reduceAll(ReducerKind::Max, values)) == TestType(5));
  const auto sum = reduceAll(ReducerKind::Sum, values);
  CHECK(sum.valueType() == charm::valueTypeOf<TestType>());
  CHECK(sum.shape() == ReductionValue::Shape::Scalar);
  CHECK(sum.resultBytes().size() == sizeof(TestType));
}

TEST_CASE("negative values and wrap-around of integer sums", "[reducer]") {
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::Min, {3, -7, 2})) == -7);
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::Sum, {-3, -7, 2})) == -8);
  CHECK(resultAs<double>(reduceAll<double>(ReducerKind::Max, {-3.5, -7, -2.25})) == -2.25);
  const std::int32_t big = std::numeric_limits<std::int32_t>::max();
  CHECK(resultAs<std::int32_t>(reduceAll<std::int32_t>(ReducerKind::Sum, {big, 1})) ==
        std::numeric_limits<std::int32_t>::min());
  CHECK(resultAs<std::uint16_t>(reduceAll<std::uint16_t>(ReducerKind::Product, {65535, 65535})) == 1);
}

TEST_CASE("float min and max propagate NaN whatever the order", "[reducer]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(resultAs<double>(reduceAll<double>(ReducerKind::Min, {nan, 1.0, 2.0}))));
  CHECK(std::isnan(resultAs<double>(reduceAll<double>(ReducerKind::Min, {1.0, nan, 2.0}))));
  CHECK(std::isnan(resultAs<double>(reduceAll<double>(ReducerKind::Max, {1.0, 2.0, nan}))));
}

TEST_CASE("logical reducers give 0/1 of the input type", "[reducer]") {
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalAnd, {5, -1, 7})) == 1);
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalAnd, {5, 0, 7})) == 0);
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalOr, {0, 0, 9})) == 1);
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalOr, {0, 0, 0})) == 0);
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalXor, {3, 4, 0})) == 0);
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalXor, {3, 4, 5})) == 1);
  CHECK(resultAs<double>(reduceAll<double>(ReducerKind::LogicalOr, {0.0, 2.5})) == 1.0);
  // A single contribution is already normalised.
  CHECK(resultAs<int>(reduceAll<int>(ReducerKind::LogicalOr, {42})) == 1);

  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::LogicalAnd, {true, true})) == true);
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::LogicalAnd, {true, false})) == false);
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::LogicalXor, {true, true, true})) == true);
  // Bool arithmetic: Sum/Max = OR, Product/Min = AND.
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::Sum, {true, true})) == true);
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::Sum, {false, false})) == false);
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::Product, {true, false})) == false);
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::Min, {true, false})) == false);
  CHECK(resultAs<bool>(reduceAll<bool>(ReducerKind::Max, {true, false})) == true);
}

TEST_CASE("vector reductions are element-wise and encode as std::vector", "[reducer]") {
  const std::vector<std::vector<double>> contributions{{1, 10, -1}, {2, 20, -2}, {3, 30, -3}};
  ReductionValue sum = reduceAll(ReducerKind::Sum, contributions);
  CHECK(sum.shape() == ReductionValue::Shape::Vector);
  CHECK(sum.length() == 3);
  CHECK(resultAs<std::vector<double>>(sum) == std::vector<double>{6, 60, -6});
  CHECK(resultAs<std::vector<double>>(reduceAll(ReducerKind::Max, contributions)) ==
        std::vector<double>{3, 30, -1});
  CHECK(resultAs<std::vector<double>>(reduceAll(ReducerKind::Product, contributions)) ==
        std::vector<double>{6, 6000, -6});

  const std::vector<std::vector<std::int64_t>> ints{{1, 5}, {4, 2}};
  CHECK(resultAs<std::vector<std::int64_t>>(reduceAll(ReducerKind::Min, ints)) ==
        std::vector<std::int64_t>{1, 2});

  const std::vector<std::vector<bool>> bools{{true, true, false}, {true, false, false}};
  CHECK(resultAs<std::vector<bool>>(reduceAll(ReducerKind::LogicalAnd, bools)) ==
        std::vector<bool>{true, false, false});
  CHECK(resultAs<std::vector<bool>>(reduceAll(ReducerKind::LogicalOr, bools)) ==
        std::vector<bool>{true, true, false});

  const std::vector<std::vector<float>> empty{{}, {}};
  CHECK(resultAs<std::vector<float>>(reduceAll(ReducerKind::Sum, empty)).empty());
}

TEST_CASE("std::array reductions are element-wise and encode as std::array", "[reducer]") {
  const std::vector<std::array<int, 3>> contributions{{1, 2, 3}, {4, 5, 6}};
  ReductionValue sum = reduceAll(ReducerKind::Sum, contributions);
  CHECK(sum.shape() == ReductionValue::Shape::FixedArray);
  CHECK(sum.resultBytes().size() == 3 * sizeof(int));
  CHECK(resultAs<std::array<int, 3>>(sum) == std::array<int, 3>{5, 7, 9});
}

TEST_CASE("sum, min and max do not depend on the order of combining", "[reducer]") {
  std::vector<std::int64_t> values(200);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<std::int64_t>((i * 7919) % 1000) - 500;
  std::mt19937 rng(1);
  for (ReducerKind kind : {ReducerKind::Sum, ReducerKind::Min, ReducerKind::Max}) {
    const auto expected = resultAs<std::int64_t>(reduceAll(kind, values));
    for (int trial = 0; trial < 5; ++trial) {
      // Random order and a random tree shape: combine pairs of partials.
      std::shuffle(values.begin(), values.end(), rng);
      std::vector<ReductionValue> partials;
      for (auto v : values) partials.push_back(ReductionValue::numeric(kind, v));
      while (partials.size() > 1) {
        std::uniform_int_distribution<std::size_t> pick(0, partials.size() - 1);
        std::size_t a = pick(rng), b = pick(rng);
        if (a == b) continue;
        partials[a].combine(partials[b]);
        partials.erase(partials.begin() + static_cast<std::ptrdiff_t>(b));
      }
      CHECK(resultAs<std::int64_t>(partials[0]) == expected);
      CHECK(partials[0].contributions() == values.size());
    }
  }
}

TEST_CASE("gather orders items by key however they were combined", "[reducer]") {
  ReductionValue left = ReductionValue::gather(ArrayIndex::of1d(3), std::string("three"));
  left.combine(ReductionValue::gather(ArrayIndex::of1d(0), std::string("zero")));
  ReductionValue right = ReductionValue::gather(ArrayIndex::of1d(2), std::string("two"));
  right.combine(ReductionValue::gather(ArrayIndex::of1d(1), std::string("one")));
  right.combine(left);
  CHECK(right.contributions() == 4);
  CHECK(right.gatheredItems() == 4);
  CHECK(resultAs<std::vector<std::string>>(right) ==
        std::vector<std::string>{"zero", "one", "two", "three"});
}

TEST_CASE("gather orders n-d keys lexicographically", "[reducer]") {
  std::vector<std::pair<ArrayIndex, int>> items;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) items.push_back({ArrayIndex{i, j}, i * 10 + j});
  std::mt19937 rng(7);
  std::shuffle(items.begin(), items.end(), rng);
  ReductionValue acc = ReductionValue::identity(ReducerKind::Gather);
  for (auto& [key, value] : items) acc.combine(ReductionValue::gather(key, value));
  CHECK(resultAs<std::vector<int>>(acc) ==
        std::vector<int>{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
}

TEST_CASE("gather accepts structured values and encodes std::vector<T>", "[reducer]") {
  using Item = std::pair<int, std::vector<double>>;
  ReductionValue acc = ReductionValue::gather(ArrayIndex::of1d(1), Item{1, {1.5}});
  acc.combine(ReductionValue::gather(ArrayIndex::of1d(0), Item{0, {}}));
  const auto result = resultAs<std::vector<Item>>(acc);
  REQUIRE(result.size() == 2);
  CHECK(result[0] == Item{0, {}});
  CHECK(result[1] == Item{1, {1.5}});
}

TEST_CASE("contributions count what has been folded in", "[reducer]") {
  CHECK(ReductionValue().contributions() == 0);
  CHECK(ReductionValue::identity(ReducerKind::Sum).contributions() == 0);
  CHECK(ReductionValue::numeric(ReducerKind::Sum, 1).contributions() == 1);
  CHECK(ReductionValue::nop().contributions() == 1);

  ReductionValue barrier = ReductionValue::identity(ReducerKind::Nop);
  for (int i = 0; i < 5; ++i) barrier.combine(ReductionValue::nop());
  CHECK(barrier.kind() == ReducerKind::Nop);
  CHECK(barrier.contributions() == 5);
  CHECK(barrier.resultBytes().empty());

  ReductionValue a = ReductionValue::numeric(ReducerKind::Max, 1.0);
  a.combine(ReductionValue::numeric(ReducerKind::Max, 2.0));
  ReductionValue b = ReductionValue::numeric(ReducerKind::Max, 3.0);
  b.combine(a);
  CHECK(b.contributions() == 3);
}

TEST_CASE("identity is neutral on both sides", "[reducer]") {
  ReductionValue x = ReductionValue::numeric(ReducerKind::Sum, std::vector<int>{1, 2});
  ReductionValue left = ReductionValue::identity(ReducerKind::Sum);
  left.combine(x);
  CHECK(resultAs<std::vector<int>>(left) == std::vector<int>{1, 2});
  CHECK(left.contributions() == 1);

  ReductionValue right = x;
  right.combine(ReductionValue::identity(ReducerKind::Sum));
  right.combine(ReductionValue());
  CHECK(resultAs<std::vector<int>>(right) == std::vector<int>{1, 2});
  CHECK(right.contributions() == 1);

  // identity(Nop) and a default value adopt any reducer.
  ReductionValue any;
  any.combine(ReductionValue::numeric(ReducerKind::Min, 4));
  CHECK(any.kind() == ReducerKind::Min);
  CHECK(resultAs<int>(any) == 4);

  // identity with identity stays empty; a numeric identity has no result bytes.
  ReductionValue none = ReductionValue::identity(ReducerKind::Max);
  none.combine(ReductionValue::identity(ReducerKind::Max));
  CHECK(none.empty());
  CHECK(none.contributions() == 0);
  CHECK(none.resultBytes().empty());

  // An empty gather is an empty vector.
  CHECK(resultAs<std::vector<int>>(ReductionValue::identity(ReducerKind::Gather)).empty());
}

TEST_CASE("moving partials in steals their buffers and keeps counts", "[reducer]") {
  ReductionValue acc = ReductionValue::identity(ReducerKind::Sum);
  acc.combine(ReductionValue::identity(ReducerKind::Sum));
  acc.combine(ReductionValue::numeric(ReducerKind::Sum, std::vector<int>{1, 2}));
  acc.combine(ReductionValue::numeric(ReducerKind::Sum, std::vector<int>{3, 4}));
  CHECK(acc.contributions() == 2);
  CHECK(resultAs<std::vector<int>>(acc) == std::vector<int>{4, 6});
  acc.combine(acc);  // self-combine doubles
  CHECK(acc.contributions() == 4);
  CHECK(resultAs<std::vector<int>>(acc) == std::vector<int>{8, 12});
}

TEST_CASE("mismatched contributions are rejected with clear errors", "[reducer]") {
  ReductionValue sumInt = ReductionValue::numeric(ReducerKind::Sum, 1);
  CHECK_THROWS_WITH(sumInt.combine(ReductionValue::numeric(ReducerKind::Max, 1)),
                    Catch::Contains("reducers differ"));
  CHECK_THROWS_WITH(sumInt.combine(ReductionValue::numeric(ReducerKind::Sum, 1.0)),
                    Catch::Contains("element types differ") && Catch::Contains("Int32") &&
                        Catch::Contains("Double"));
  CHECK_THROWS_WITH(sumInt.combine(ReductionValue::numeric(ReducerKind::Sum, std::vector<int>{1})),
                    Catch::Contains("shapes"));
  ReductionValue vec = ReductionValue::numeric(ReducerKind::Sum, std::vector<int>{1, 2});
  CHECK_THROWS_WITH(vec.combine(ReductionValue::numeric(ReducerKind::Sum, std::vector<int>{1})),
                    Catch::Contains("lengths differ"));
  CHECK_THROWS_AS(vec.combine(ReductionValue::gather(ArrayIndex::of1d(0), 1)), std::invalid_argument);
  CHECK_THROWS_AS(vec.combine(ReductionValue::nop()), std::invalid_argument);
  CHECK_THROWS_AS(ReductionValue::numeric(ReducerKind::Gather, 1), std::invalid_argument);
  CHECK_THROWS_AS(ReductionValue::identity(ReducerKind::Sum).combine(ReductionValue::numeric(ReducerKind::Min, 1)),
                  std::invalid_argument);
  // The failed combines left the value untouched.
  CHECK(resultAs<int>(sumInt) == 1);
  CHECK(sumInt.contributions() == 1);
}

TEST_CASE("partials survive pup between PEs", "[reducer]") {
  ReductionValue scalar = reduceAll<double>(ReducerKind::Sum, {1.5, 2.5});
  ReductionValue scalarBack = throughPup(scalar);
  CHECK(scalarBack.kind() == ReducerKind::Sum);
  CHECK(scalarBack.contributions() == 2);
  CHECK(resultAs<double>(scalarBack) == 4.0);

  ReductionValue vec = reduceAll(ReducerKind::Max, std::vector<std::vector<std::uint16_t>>{{1, 9}, {5, 2}});
  ReductionValue vecBack = throughPup(vec);
  vecBack.combine(ReductionValue::numeric(ReducerKind::Max, std::vector<std::uint16_t>{7, 7}));
  CHECK(resultAs<std::vector<std::uint16_t>>(vecBack) == std::vector<std::uint16_t>{7, 9});
  CHECK(vecBack.contributions() == 3);

  ReductionValue gather = ReductionValue::gather(ArrayIndex{1, 1}, std::string("b"));
  gather.combine(ReductionValue::gather(ArrayIndex{0, 5}, std::string("a")));
  ReductionValue gatherBack = throughPup(gather);
  gatherBack.combine(ReductionValue::gather(ArrayIndex{2, 0}, std::string("c")));
  CHECK(resultAs<std::vector<std::string>>(gatherBack) == std::vector<std::string>{"a", "b", "c"});

  CHECK(throughPup(ReductionValue::identity(ReducerKind::Min)).contributions() == 0);
  CHECK(throughPup(ReductionValue::identity(ReducerKind::Min)).kind() == ReducerKind::Min);
  CHECK(throughPup(ReductionValue::nop()).contributions() == 1);
  CHECK(resultAs<std::array<float, 2>>(throughPup(ReductionValue::numeric(
            ReducerKind::Sum, std::array<float, 2>{1, 2}))) == std::array<float, 2>{1, 2});
}

TEST_CASE("corrupt partials throw PupError", "[reducer]") {
  ReductionValue v = ReductionValue::numeric(ReducerKind::Sum, std::vector<double>{1, 2, 3});
  std::vector<std::byte> buffer(charm::packedSize(v));
  charm::packInto(buffer.data(), buffer.size(), v);
  for (std::size_t cut = 0; cut < buffer.size(); ++cut)
    CHECK_THROWS_AS(charm::unpackAs<ReductionValue>(buffer.data(), cut), charm::PupError);
  std::vector<std::byte> badKind = buffer;
  badKind[0] = std::byte{200};
  CHECK_THROWS_AS(charm::unpackAs<ReductionValue>(badKind.data(), badKind.size()), charm::PupError);
}

namespace {
// Concatenates byte strings in key order of the first byte (an "ordered join").
void joinSorted(std::vector<std::byte>& acc, const std::byte* next, std::size_t n) {
  acc.insert(acc.end(), next, next + n);
  std::sort(acc.begin(), acc.end());
}
// Sums int64 values carried as raw bytes.
void sumInt64(std::vector<std::byte>& acc, const std::byte* next, std::size_t n) {
  REQUIRE(acc.size() == 8);
  REQUIRE(n == 8);
  std::int64_t a, b;
  std::memcpy(&a, acc.data(), 8);
  std::memcpy(&b, next, 8);
  a += b;
  std::memcpy(acc.data(), &a, 8);
}
std::vector<std::byte> bytesOf(std::int64_t v) {
  std::vector<std::byte> b(8);
  std::memcpy(b.data(), &v, 8);
  return b;
}
}  // namespace

TEST_CASE("custom reducers fold opaque bytes with the registered function", "[reducer]") {
  const std::uint32_t join = ReductionValue::registerCustom(joinSorted);
  const std::uint32_t sum = ReductionValue::registerCustom(sumInt64);
  CHECK(join != sum);
  CHECK(ReductionValue::registerCustom(joinSorted) == join);  // idempotent

  ReductionValue acc = ReductionValue::identity(ReducerKind::Custom);
  for (std::int64_t v : {5, -2, 10}) acc.combine(ReductionValue::custom(sum, bytesOf(v)));
  CHECK(acc.contributions() == 3);
  CHECK(acc.customReducerId() == sum);
  ReductionValue back = throughPup(acc);
  back.combine(ReductionValue::custom(sum, bytesOf(100)));
  CHECK(resultAs<std::int64_t>(back) == 113);

  ReductionValue joined = ReductionValue::custom(join, {std::byte{3}, std::byte{1}});
  joined.combine(ReductionValue::custom(join, {std::byte{2}}));
  CHECK(joined.resultBytes() == std::vector<std::byte>{std::byte{1}, std::byte{2}, std::byte{3}});

  CHECK_THROWS_WITH(joined.combine(ReductionValue::custom(sum, bytesOf(1))),
                    Catch::Contains("custom reducer ids differ"));
  CHECK_THROWS_WITH(ReductionValue::custom(999999, {}), Catch::Contains("not registered"));
  CHECK_THROWS_AS(ReductionValue::registerCustom(nullptr), std::invalid_argument);
}

TEST_CASE("a raw numeric contribution combines like a typed one and its tag survives combining and pup") {
  const double a[3] = {1.0, 2.0, 3.0};
  const double b[3] = {10.0, 20.0, 30.0};
  auto x = charm::ReductionValue::numericRaw(charm::ReducerKind::Sum, charm::ValueType::Double, true, 3, a);
  auto y = charm::ReductionValue::numericRaw(charm::ReducerKind::Sum, charm::ValueType::Double, true, 3, b);
  y.setTag("where the result goes");
  x.combine(y);  // x had no tag: it takes y's
  CHECK(x.tag() == "where the result goes");
  CHECK(x.contributions() == 2);
  const std::size_t size = charm::packedSize(x);
  std::vector<std::byte> wire(size);
  charm::packInto(wire.data(), size, x);
  auto back = charm::unpackAs<charm::ReductionValue>(wire.data(), size);
  CHECK(back.tag() == "where the result goes");
  const auto bytes = back.resultBytes();
  CHECK(charm::unpackAs<std::vector<double>>(bytes.data(), bytes.size()) == std::vector<double>{11, 22, 33});
  CHECK_THROWS_AS(charm::ReductionValue::numericRaw(charm::ReducerKind::Sum, charm::ValueType::Double,
                                                    false, 2, a),
                  std::invalid_argument);
}

TEST_CASE("numeric values of different forms refuse to combine, and errors name the forms", "[reducer]") {
  const double six[6] = {1, 2, 3, 4, 5, 6};
  auto valueOf = [&](const char* form) {
    auto v = charm::ReductionValue::numericRaw(charm::ReducerKind::Sum, charm::ValueType::Double, true, 6, six);
    v.setForm(form);
    return v;
  };
  // Same type and length, but a (2, 3) and a (3, 2) array: no sum.
  auto acc = valueOf("Reducer.sum of a (2, 3) array");
  CHECK_THROWS_WITH(acc.combine(valueOf("Reducer.sum of a (3, 2) array")),
                    Catch::Contains("cannot combine Reducer.sum of a (2, 3) array with Reducer.sum of a (3, 2) array") &&
                        Catch::Contains("forms differ"));
  CHECK(acc.contributions() == 1);  // untouched
  acc.combine(valueOf("Reducer.sum of a (2, 3) array"));
  CHECK(acc.contributions() == 2);
  CHECK(acc.span().form == "Reducer.sum of a (2, 3) array");

  // The form travels with a partial; an empty value adopts the form of what it takes in.
  auto back = throughPup(acc);
  CHECK(back.form() == "Reducer.sum of a (2, 3) array");
  CHECK_THROWS_WITH(back.combine(valueOf("")), Catch::Contains("forms differ"));
  charm::ReductionValue empty = charm::ReductionValue::identity(charm::ReducerKind::Sum);
  empty.combine(back);
  CHECK(empty.form() == "Reducer.sum of a (2, 3) array");
  CHECK(empty.contributions() == 2);
  const auto bytes = empty.resultBytes();
  CHECK(charm::unpackAs<std::vector<double>>(bytes.data(), bytes.size()) == std::vector<double>{2, 4, 6, 8, 10, 12});

  // Values of different reducers (numbers and gathered data) are named by their forms too.
  auto gathered = charm::ReductionValue::gather(charm::ArrayIndex::of1d(1), 7);
  gathered.setForm("Reducer.sum of a str (combined in Python)");
  CHECK_THROWS_WITH(acc.combine(gathered),
                    Catch::Contains("Reducer.sum of a (2, 3) array with Reducer.sum of a str (combined in Python)") &&
                        Catch::Contains("reducers differ"));

  CHECK(charm::formDigest("") == 0);
  CHECK(charm::formDigest("a") != 0);
  CHECK(charm::formDigest("Reducer.sum of a (2, 3) array") != charm::formDigest("Reducer.sum of a (3, 2) array"));
}
