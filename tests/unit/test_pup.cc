// Unit tests of charm::Pup: round trips of every supported type, the wire format
// other code relies on, and rejection of truncated or corrupt input.
#include <catch2/catch.hpp>

#include <array>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "charm/pup.h"

namespace {

using charm::Pup;
using charm::PupError;

// Packs `value`, checks that sizing agrees with packing, and unpacks it again.
template <class T>
T roundTrip(const T& value) {
  const std::size_t size = charm::packedSize(value);
  std::vector<std::byte> buffer(size);
  const std::size_t written = charm::packInto(buffer.data(), buffer.size(), value);
  REQUIRE(written == size);
  return charm::unpackAs<T>(buffer.data(), buffer.size());
}

template <class T>
std::vector<std::byte> packToVector(const T& value) {
  std::vector<std::byte> buffer(charm::packedSize(value));
  charm::packInto(buffer.data(), buffer.size(), value);
  return buffer;
}

enum class Colour : std::uint16_t { Red = 1, Green = 2, Blue = 700 };

struct Particle {
  double x = 0, y = 0;
  std::string name;
  void pup(Pup& p) {
    p | x;
    p | y;
    p | name;
  }
  friend bool operator==(const Particle&, const Particle&) = default;
};

struct Cell {
  int id = 0;
  std::vector<Particle> particles;
  std::optional<Colour> colour;
  void pup(Pup& p) {
    p | id;
    p | particles;
    p | colour;
  }
  friend bool operator==(const Cell&, const Cell&) = default;
};

// A type we "cannot modify", made pup-able through PupTraits.
struct ThirdParty {
  int a = 0;
  float b = 0;
  friend bool operator==(const ThirdParty&, const ThirdParty&) = default;
};

}  // namespace

template <>
struct charm::PupTraits<ThirdParty> {
  static constexpr std::size_t kMinBytes = 8;
  static void pup(charm::Pup& p, ThirdParty& v) {
    p | v.a;
    p | v.b;
  }
};

TEST_CASE("arithmetic values and enums round-trip as their raw bytes", "[pup]") {
  CHECK(roundTrip<std::int8_t>(-5) == -5);
  CHECK(roundTrip<std::uint16_t>(65000) == 65000);
  CHECK(roundTrip<std::int32_t>(-123456) == -123456);
  CHECK(roundTrip<std::int64_t>(std::numeric_limits<std::int64_t>::min()) ==
        std::numeric_limits<std::int64_t>::min());
  CHECK(roundTrip<std::uint64_t>(~0ull) == ~0ull);
  CHECK(roundTrip<float>(1.5f) == 1.5f);
  CHECK(roundTrip<double>(-2.25) == -2.25);
  CHECK(roundTrip<char>('z') == 'z');
  CHECK(roundTrip(true) == true);
  CHECK(roundTrip(false) == false);
  CHECK(roundTrip(Colour::Blue) == Colour::Blue);
  CHECK(roundTrip(std::complex<double>(1.5, -2)) == std::complex<double>(1.5, -2));

  CHECK(charm::packedSize(std::int32_t{1}) == 4);
  CHECK(charm::packedSize(3.0) == 8);
  CHECK(charm::packedSize(true) == 1);
  CHECK(charm::packedSize(Colour::Red) == 2);

  const double d = 3.75;
  auto bytes = packToVector(d);
  REQUIRE(bytes.size() == 8);
  CHECK(std::memcmp(bytes.data(), &d, 8) == 0);
}

TEST_CASE("a bool reads any non-zero byte as true", "[pup]") {
  const std::byte byte{7};
  CHECK(charm::unpackAs<bool>(&byte, 1) == true);
}

TEST_CASE("strings and vectors round-trip, empty or not", "[pup]") {
  CHECK(roundTrip(std::string()) == "");
  CHECK(roundTrip(std::string("hello, world")) == "hello, world");
  std::string binary("a\0b\xff", 4);
  CHECK(roundTrip(binary) == binary);

  CHECK(roundTrip(std::vector<int>{}).empty());
  CHECK(roundTrip(std::vector<int>{1, -2, 3}) == std::vector<int>{1, -2, 3});
  CHECK(roundTrip(std::vector<Colour>{Colour::Red, Colour::Blue}) ==
        std::vector<Colour>{Colour::Red, Colour::Blue});
  CHECK(roundTrip(std::vector<std::string>{"a", "", "ccc"}) == std::vector<std::string>{"a", "", "ccc"});
  CHECK(roundTrip(std::vector<std::vector<double>>{{1}, {}, {2, 3}}) ==
        std::vector<std::vector<double>>{{1}, {}, {2, 3}});
}

TEST_CASE("std::vector<bool> round-trips element-wise, one byte per element", "[pup]") {
  std::vector<bool> v{true, false, true, true, false, false, false, true, true};
  CHECK(roundTrip(v) == v);
  CHECK(charm::packedSize(v) == 8 + v.size());
  auto bytes = packToVector(v);
  CHECK(bytes[8] == std::byte{1});
  CHECK(bytes[9] == std::byte{0});
}

TEST_CASE("a vector of doubles is a uint64 count followed by the raw array", "[pup]") {
  const std::vector<double> v{1.0, -2.5, 1e300};
  auto bytes = packToVector(v);
  REQUIRE(bytes.size() == 8 + 3 * sizeof(double));
  std::uint64_t count;
  std::memcpy(&count, bytes.data(), 8);
  CHECK(count == 3);
  CHECK(std::memcmp(bytes.data() + 8, v.data(), 3 * sizeof(double)) == 0);
}

TEST_CASE("a vector of strings is the count followed by each string's encoding", "[pup]") {
  const std::vector<std::string> v{"ab", "c"};
  auto bytes = packToVector(v);
  auto expected = packToVector(std::uint64_t{2});
  for (const auto& s : v) {
    auto e = packToVector(s);
    expected.insert(expected.end(), e.begin(), e.end());
  }
  CHECK(bytes == expected);
}

TEST_CASE("fixed arrays, pairs, tuples, optionals and variants round-trip", "[pup]") {
  std::array<int, 4> a{1, 2, 3, 4};
  CHECK(roundTrip(a) == a);
  CHECK(charm::packedSize(a) == 16);  // no count
  std::array<std::string, 2> s{"x", "yz"};
  CHECK(roundTrip(s) == s);

  CHECK(roundTrip(std::pair<int, std::string>(7, "seven")) == std::pair<int, std::string>(7, "seven"));
  auto t = std::make_tuple(1, 2.5, std::string("three"), std::vector<char>{'4'});
  CHECK(roundTrip(t) == t);
  CHECK(roundTrip(std::tuple<>{}) == std::tuple<>{});

  CHECK(roundTrip(std::optional<int>()) == std::nullopt);
  CHECK(roundTrip(std::optional<int>(5)) == 5);
  CHECK(charm::packedSize(std::optional<int>()) == 1);
  CHECK(charm::packedSize(std::optional<int>(5)) == 5);

  using V = std::variant<int, std::string, std::vector<double>>;
  CHECK(roundTrip(V(42)) == V(42));
  CHECK(roundTrip(V(std::string("s"))) == V(std::string("s")));
  CHECK(roundTrip(V(std::vector<double>{1, 2})) == V(std::vector<double>{1, 2}));
}

TEST_CASE("maps and sets round-trip", "[pup]") {
  std::map<std::string, int> m{{"a", 1}, {"b", 2}, {"", 0}};
  CHECK(roundTrip(m) == m);
  std::unordered_map<int, std::vector<int>> um{{1, {1}}, {2, {2, 2}}, {3, {}}};
  CHECK(roundTrip(um) == um);
  std::set<std::string> st{"x", "y"};
  CHECK(roundTrip(st) == st);
  std::unordered_set<long> us{1, 5, 9};
  CHECK(roundTrip(us) == us);
  CHECK(roundTrip(std::map<int, int>{}).empty());
}

TEST_CASE("ArrayIndex round-trips as ndims then the used values", "[pup]") {
  charm::ArrayIndex i3{4, -5, 6};
  CHECK(roundTrip(i3) == i3);
  CHECK(charm::packedSize(i3) == 4 + 3 * 4);
  CHECK(roundTrip(charm::ArrayIndex::of1d(9)) == charm::ArrayIndex::of1d(9));
  CHECK(roundTrip(charm::ArrayIndex{}) == charm::ArrayIndex{});
  auto back = roundTrip(charm::ArrayIndex{1, 2});
  CHECK(back.values[2] == 0);  // unused dimensions are zero
}

TEST_CASE("nested standard containers round-trip", "[pup]") {
  using Inner = std::vector<std::pair<int, std::optional<double>>>;
  std::map<std::string, Inner> m{
      {"first", {{1, 1.5}, {2, std::nullopt}}},
      {"empty", {}},
      {"third", {{-3, -0.25}}},
  };
  CHECK(roundTrip(m) == m);

  auto t = std::make_tuple(m, std::vector<std::map<std::string, Inner>>{m, {}}, std::optional(m));
  CHECK(roundTrip(t) == t);
}

TEST_CASE("user types with a pup member, nesting other user types, round-trip", "[pup]") {
  Cell cell;
  cell.id = 17;
  cell.particles = {{1, 2, "p1"}, {3, 4, "p2"}, {5, 6, ""}};
  cell.colour = Colour::Green;
  CHECK(roundTrip(cell) == cell);

  std::vector<Cell> cells{cell, Cell{}, cell};
  CHECK(roundTrip(cells) == cells);

  std::map<charm::ArrayIndex, Cell> byIndex{{charm::ArrayIndex{1, 2}, cell}};
  CHECK(roundTrip(byIndex) == byIndex);
}

TEST_CASE("types made pup-able through PupTraits round-trip", "[pup]") {
  ThirdParty v{3, 4.5f};
  CHECK(roundTrip(v) == v);
  CHECK(roundTrip(std::vector<ThirdParty>{v, v}) == std::vector<ThirdParty>{v, v});
}

TEST_CASE("sizing counts exactly what packing writes", "[pup]") {
  Cell cell{5, {{1, 2, "abc"}}, std::nullopt};
  Pup sizer = Pup::sizer();
  sizer | cell;
  CHECK(sizer.isSizing());
  std::vector<std::byte> buffer(sizer.offset());
  Pup packer = Pup::packer(buffer.data(), buffer.size());
  packer | cell;
  CHECK(packer.isPacking());
  CHECK(packer.offset() == sizer.offset());
  Pup unpacker = Pup::unpacker(buffer.data(), buffer.size());
  Cell back;
  unpacker | back;
  CHECK(unpacker.isUnpacking());
  CHECK(unpacker.offset() == buffer.size());
  CHECK(back == cell);
}

TEST_CASE("several values pack back to back and unpack as a tuple", "[pup]") {
  const int a = 1;
  const std::string b = "two";
  const std::vector<double> c{3.0};
  const std::size_t size = charm::packedSize(a, b, c);
  CHECK(size == 4 + (8 + 3) + (8 + 8));
  std::vector<std::byte> buffer(size);
  CHECK(charm::packInto(buffer.data(), buffer.size(), a, b, c) == size);
  auto [a2, b2, c2] = charm::unpackTuple<int, std::string, std::vector<double>>(buffer.data(), size);
  CHECK(a2 == a);
  CHECK(b2 == b);
  CHECK(c2 == c);
}

TEST_CASE("the raw bytes interface works in every mode", "[pup]") {
  char text[5] = "abcd";
  Pup sizer = Pup::sizer();
  sizer.bytes(text, 5);
  CHECK(sizer.offset() == 5);
  std::byte buffer[5];
  Pup packer = Pup::packer(buffer, 5);
  packer.bytes(text, 5);
  char back[5] = {};
  Pup unpacker = Pup::unpacker(buffer, 5);
  unpacker.bytes(back, 5);
  CHECK(std::string(back) == "abcd");
}

TEST_CASE("every truncation of a packed value throws PupError", "[pup]") {
  std::map<std::string, std::vector<std::pair<int, std::optional<double>>>> m{
      {"k", {{1, 2.0}, {3, std::nullopt}}}, {"l", {}}};
  auto bytes = packToVector(m);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    INFO("truncated to " << cut << " of " << bytes.size() << " bytes");
    CHECK_THROWS_AS((charm::unpackAs<decltype(m)>(bytes.data(), cut)), PupError);
  }
  CHECK_THROWS_WITH(charm::unpackAs<std::int64_t>(bytes.data(), 3), Catch::Contains("truncated"));
}

TEST_CASE("corrupt lengths and flags throw PupError without allocating", "[pup]") {
  // A vector claiming 2^60 doubles in a 16-byte buffer.
  std::vector<std::byte> bytes(16);
  const std::uint64_t huge = 1ull << 60;
  std::memcpy(bytes.data(), &huge, 8);
  CHECK_THROWS_AS(charm::unpackAs<std::vector<double>>(bytes.data(), bytes.size()), PupError);
  CHECK_THROWS_WITH(charm::unpackAs<std::vector<double>>(bytes.data(), bytes.size()),
                    Catch::Contains("corrupt"));
  CHECK_THROWS_AS(charm::unpackAs<std::string>(bytes.data(), bytes.size()), PupError);
  CHECK_THROWS_AS((charm::unpackAs<std::map<int, int>>(bytes.data(), bytes.size())), PupError);
  CHECK_THROWS_AS(charm::unpackAs<std::vector<std::string>>(bytes.data(), bytes.size()), PupError);

  const std::byte badFlag{2};
  CHECK_THROWS_AS(charm::unpackAs<std::optional<int>>(&badFlag, 1), PupError);

  std::vector<std::byte> badIndex(4);
  const std::int32_t ndims = 9;
  std::memcpy(badIndex.data(), &ndims, 4);
  CHECK_THROWS_AS(charm::unpackAs<charm::ArrayIndex>(badIndex.data(), badIndex.size()), PupError);

  std::vector<std::byte> badVariant(8);
  const std::uint32_t alternative = 5;
  std::memcpy(badVariant.data(), &alternative, 4);
  CHECK_THROWS_AS((charm::unpackAs<std::variant<int, float>>(badVariant.data(), badVariant.size())),
                  PupError);
}

TEST_CASE("left-over input after unpackAs throws PupError", "[pup]") {
  auto bytes = packToVector(std::int64_t{5});
  CHECK_THROWS_WITH(charm::unpackAs<std::int32_t>(bytes.data(), bytes.size()),
                    Catch::Contains("left over"));
}

TEST_CASE("packing past the capacity throws PupError", "[pup]") {
  std::vector<double> v(10, 1.0);
  std::vector<std::byte> buffer(charm::packedSize(v) - 1);
  CHECK_THROWS_AS(charm::packInto(buffer.data(), buffer.size(), v), PupError);
  CHECK_THROWS_WITH(charm::packInto(buffer.data(), buffer.size(), v), Catch::Contains("overflow"));
  CHECK_THROWS_AS(charm::packInto(nullptr, 0, 1), PupError);
  CHECK(charm::packInto(nullptr, 0) == 0);
}

TEST_CASE("unpacking into a const object throws PupError", "[pup]") {
  auto bytes = packToVector(1);
  const int target = 0;
  Pup p = Pup::unpacker(bytes.data(), bytes.size());
  CHECK_THROWS_AS(p | target, PupError);
}
