// Unit tests of the migration cost check (lb/migration_gate.h): its arithmetic
// (gain, per-PE bytes, cost), which moves it keeps or drops, the strategies it
// applies to and the bandwidth update.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "lb/greedy_lb.h"
#include "lb/migration_gate.h"
#include "lb/strategy.h"

using charm::lb::gateMigrations;
using charm::lb::LbInput;
using charm::lb::ObjectStats;
using charm::lb::PeStats;

namespace {

constexpr std::uint64_t MB = 1000 * 1000;
constexpr double kSpb = 1e-8;  // 100 MB/s

LbInput twoPes(std::vector<ObjectStats> objects) {
  LbInput input;
  input.pes = {PeStats{0, 0.0, true}, PeStats{1, 0.0, true}};
  input.objects = std::move(objects);
  return input;
}

ObjectStats object(std::uint64_t id, int pe, double load, std::uint64_t bytes) {
  ObjectStats o;
  o.id = id;
  o.pe = pe;
  o.load = load;
  o.stateBytes = bytes;
  return o;
}

}  // namespace

TEST_CASE("migration cost: per PE, bytes sent plus bytes received, the busiest PE's", "[lb][gate]") {
  LbInput input;
  input.pes = {PeStats{0}, PeStats{1}, PeStats{2}};
  input.objects = {object(0, 0, 1, 3 * MB), object(1, 0, 1, 1 * MB), object(2, 1, 1, 2 * MB), object(3, 2, 1, 5 * MB)};
  const std::vector<int> plan = {1, 2, 0, 2};  // 0: 0->1, 1: 0->2, 2: 1->0, 3 stays
  CHECK(charm::lb::peMigrationBytes(input, plan) == std::vector<std::uint64_t>{6 * MB, 5 * MB, 1 * MB});
  CHECK(charm::lb::migrationCost(input, plan, kSpb) == Approx(0.06));
  CHECK(charm::lb::migrationCost(input, charm::lb::currentPlacement(input), kSpb) == 0);
  CHECK(charm::lb::maxPeLoad(input, plan) == Approx(2.0));
}

TEST_CASE("a move is made when the max load it saves exceeds its cost", "[lb][gate]") {
  // PE 0: 1.00 + 0.02 s, PE 1: 0.98 s; moving the 0.02 s object evens them: gain 20 ms.
  SECTION("1 MB costs 10 ms: made") {
    LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 0, 0.02, 1 * MB), object(2, 1, 0.98, 0)});
    const auto d = gateMigrations(input, {0, 1, 1}, kSpb);
    CHECK(d.assignment == std::vector<int>{0, 1, 1});
    CHECK(d.gainProposed == Approx(0.02));
    CHECK(d.costProposed == Approx(0.01));
    CHECK(d.movesProposed == 1);
    CHECK(d.movesKept == 1);
    CHECK(d.maxPeBytesKept == 1 * MB);
    CHECK_FALSE(d.pruned());
  }
  SECTION("7.5 MB costs 75 ms: not made") {
    LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 0, 0.02, 7500 * 1000), object(2, 1, 0.98, 0)});
    const auto d = gateMigrations(input, {0, 1, 1}, kSpb);
    CHECK(d.assignment == std::vector<int>{0, 0, 1});
    CHECK(d.gainProposed == Approx(0.02));
    CHECK(d.costProposed == Approx(0.075));
    CHECK(d.movesKept == 0);
    CHECK(d.gainKept == 0);
    CHECK(d.costKept == 0);
    CHECK(d.maxPeBytesKept == 0);
  }
  SECTION("7.5 MB, a gain that has waited 4 periods: made (ski rental)") {
    LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 0, 0.02, 7500 * 1000), object(2, 1, 0.98, 0)});
    CHECK(gateMigrations(input, {0, 1, 1}, kSpb, 3).movesKept == 0);  // 60 ms < 75 ms
    const auto d = gateMigrations(input, {0, 1, 1}, kSpb, 4);         // 80 ms > 75 ms
    CHECK(d.movesKept == 1);
    CHECK(d.gainKept == Approx(0.02));  // per period
    CHECK(d.gainPeriods == 4);
  }
  SECTION("a gain equal to the cost: not made") {
    // Exact in binary: loads 1.25 / 0.75 -> 1 / 1, 2^21 bytes at 0.25 / 2^21 s per byte.
    LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 0, 0.25, 1 << 21), object(2, 1, 0.75, 0)});
    const auto d = gateMigrations(input, {0, 1, 1}, 0.25 / (1 << 21));
    CHECK(d.gainProposed == 0.25);
    CHECK(d.costProposed == 0.25);
    CHECK(d.movesKept == 0);
  }
  SECTION("a move that gains nothing is not made even when free") {
    LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 1, 1.0, 0)});
    const auto d = gateMigrations(input, {1, 0}, kSpb);  // a swap
    CHECK(d.gainProposed == 0);
    CHECK(d.movesKept == 0);
  }
}

TEST_CASE("moves that do not pay are dropped, the others kept", "[lb][gate]") {
  // PE 0: object 0 (2 s, 10 KB) and object 1 (1 s, 100 MB); PE 1: object 2 (1 s, 1 KB).
  LbInput input = twoPes({object(0, 0, 2.0, 10 * 1000), object(1, 0, 1.0, 100 * MB), object(2, 1, 1.0, 1000)});
  // The plan moves 0 and 1 to PE 1 and 2 to PE 0: loads 3/1 -> 1/3, no gain for 1 s
  // of cost. Without object 1's move: 2/2, a 1 s gain for ~0.1 ms: that is kept.
  const auto d = gateMigrations(input, {1, 1, 0}, kSpb);
  CHECK(d.movesProposed == 3);
  CHECK(d.gainProposed == 0);
  CHECK(d.assignment == std::vector<int>{1, 0, 0});
  CHECK(d.movesKept == 2);
  CHECK(d.gainKept == Approx(1.0));
  CHECK(d.costKept == Approx(11000 * kSpb));
  CHECK(d.pruned());
  // Moving object 1 alone evens the loads (gain 1 s) but costs 1 s: nothing moves.
  const auto none = gateMigrations(input, {0, 1, 1}, kSpb);
  CHECK(none.gainProposed == Approx(1.0));
  CHECK(none.costProposed == Approx(1.0));
  CHECK(none.movesKept == 0);
}

TEST_CASE("of two useful moves, the one whose cost exceeds what it adds is dropped", "[lb][gate]") {
  // Three PEs: PE 0 has 3 s in three 1 s objects, PEs 1 and 2 nothing. The plan
  // spreads them: object 1 (1 KB) to PE 1, object 2 (60 MB, 0.6 s) to PE 2: max
  // 3 -> 1, gain 2 s, cost 0.6 s. Without object 2's move the max is 2 s: gain 1 s,
  // cost ~0: net 1 s < 1.4 s, so both stay. With 200 MB (2 s) object 2's move costs
  // more than the 1 s it adds: dropped.
  LbInput input;
  input.pes = {PeStats{0}, PeStats{1}, PeStats{2}};
  input.objects = {object(0, 0, 1.0, 1000), object(1, 0, 1.0, 1000), object(2, 0, 1.0, 60 * MB)};
  auto both = gateMigrations(input, {0, 1, 2}, kSpb);
  CHECK(both.assignment == std::vector<int>{0, 1, 2});
  input.objects[2].stateBytes = 200 * MB;
  auto one = gateMigrations(input, {0, 1, 2}, kSpb);
  CHECK(one.assignment == std::vector<int>{0, 1, 0});
  CHECK(one.gainKept == Approx(1.0));
  CHECK(one.movesKept == 1);
  CHECK(one.pruned());
  // The same answer every time (every PE would compute the same).
  CHECK(gateMigrations(input, {0, 1, 2}, kSpb).assignment == one.assignment);
}

TEST_CASE("moves off an unavailable PE are always made", "[lb][gate]") {
  LbInput input = twoPes({object(0, 0, 0.001, 500 * MB), object(1, 1, 1.0, 0)});
  input.pes[0].available = false;
  const auto d = gateMigrations(input, {1, 1}, kSpb);
  CHECK(d.assignment == std::vector<int>{1, 1});
  CHECK(d.costKept == Approx(5.0));
}

TEST_CASE("objects of unknown size (0 bytes) cost nothing to move", "[lb][gate]") {
  LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 0, 1.0, 0)});
  const auto d = gateMigrations(input, {0, 1}, kSpb);
  CHECK(d.assignment == std::vector<int>{0, 1});
  CHECK(d.costProposed == 0);
}

TEST_CASE("a GreedyLB plan on equal loads gains nothing and is not made", "[lb][gate]") {
  // Greedy ignores where objects are: on equal loads it may reshuffle them.
  LbInput input = twoPes({});
  for (std::uint64_t i = 0; i < 8; ++i) input.objects.push_back(object(i, i < 4 ? 1 : 0, 1.0, MB));
  charm::lb::GreedyLB greedy;
  const std::vector<int> plan = greedy.assign(input);
  const auto d = gateMigrations(input, plan, kSpb);
  CHECK(d.movesKept == 0);
  CHECK(d.assignment == charm::lb::currentPlacement(input));
}

TEST_CASE("only the balancing built-ins are checked", "[lb][gate]") {
  using charm::lb::isGatedStrategy;
  CHECK(isGatedStrategy("GreedyLB"));
  CHECK(isGatedStrategy("RefineLB"));
  CHECK(isGatedStrategy("GreedyRefineLB"));
  CHECK(isGatedStrategy("GreedyLB,RefineLB"));
  CHECK_FALSE(isGatedStrategy("RotateLB"));
  CHECK_FALSE(isGatedStrategy("RandomLB"));
  CHECK_FALSE(isGatedStrategy("DummyLB"));
  CHECK_FALSE(isGatedStrategy("GreedyLB,RotateLB"));
  CHECK_FALSE(isGatedStrategy("RoundRobinLB"));
  CHECK_FALSE(isGatedStrategy(""));
}

TEST_CASE("the bandwidth is measured from the steps that moved enough bytes", "[lb][gate]") {
  charm::lb::MigrationBandwidth b;
  CHECK_FALSE(b.measured());
  CHECK(b.secondsPerByte() == charm::lb::kDefaultSecondsPerByte);
  b.record(1000, 0.5);  // latency, not bandwidth
  b.record(10 * MB, 0);
  CHECK_FALSE(b.measured());
  b.record(10 * MB, 0.02);
  CHECK(b.measured());
  CHECK(b.secondsPerByte() == Approx(2e-9));
  b.record(30 * MB, 0.18);  // 6e-9: the average with the previous figure
  CHECK(b.secondsPerByte() == Approx(4e-9));
  b.record(1 * MB, 1.0);  // 1e-6: half of it
  CHECK(b.secondsPerByte() == Approx(5.02e-7));
}

TEST_CASE("+LBDebug's line says what was proposed and what was made", "[lb][gate]") {
  LbInput input = twoPes({object(0, 0, 1.0, 0), object(1, 0, 0.02, 7500 * 1000), object(2, 1, 0.98, 0)});
  const std::string text = charm::lb::describe(gateMigrations(input, {0, 1, 1}, kSpb), kSpb, false);
  CHECK_THAT(text, Catch::Contains("1 moves of 7.500 MB gain 20.000 ms x 1 periods, cost 75.000 ms at 100 MB/s (default)") &&
                       Catch::EndsWith("none made"));
}
