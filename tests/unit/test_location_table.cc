// Unit tests of charm::LocationTable: routing hints, forwarding pointers, home
// records, buffering at home, and a randomised simulation of an element migrating
// among PEs (arrival confirmations reaching home late and out of order) in which
// a message started anywhere always reaches the element's PE, without cycles.
#include <catch2/catch.hpp>

#include <deque>
#include <random>
#include <vector>

#include "runtime/location_table.h"

namespace {
const charm::ArrayIndex kIndex = charm::ArrayIndex::of1d(3);
constexpr charm::CollectionId kColl = 5;
}  // namespace

TEST_CASE("elements that never moved are routed home; unknown arrivals wait at home", "[location]") {
  charm::LocationTable t;
  CHECK(t.route(kColl, kIndex, 2) == 2);
  auto d = t.whereNext(kColl, kIndex, /*home=*/2, /*me=*/0);
  CHECK(d.action == charm::LocationTable::Action::ForwardTo);
  CHECK(d.pe == 2);
  CHECK(t.whereNext(kColl, kIndex, 2, 2).action == charm::LocationTable::Action::Buffer);
  t.learn(kColl, kIndex, 1);
  CHECK(t.route(kColl, kIndex, 2) == 1);
}

TEST_CASE("a departed element is followed; home follows its record", "[location]") {
  charm::LocationTable home, a;
  a.arrived(kColl, kIndex, 1, false);
  a.departed(kColl, kIndex, 3);
  auto d = a.whereNext(kColl, kIndex, 0, 1);
  CHECK(d.pe == 3);
  home.record(kColl, kIndex, 3);
  CHECK(home.whereNext(kColl, kIndex, 0, 0).pe == 3);
  CHECK(home.route(kColl, kIndex, 0) == 3);
  home.arrived(kColl, kIndex, 0, true);
  CHECK(home.whereNext(kColl, kIndex, 0, 0).action == charm::LocationTable::Action::Buffer);
}

TEST_CASE("random migrations: a message always reaches the element without cycling", "[location]") {
  for (int numPes : {2, 3, 5, 8}) {
    std::mt19937 rng(static_cast<unsigned>(numPes));
    std::vector<charm::LocationTable> pes(static_cast<std::size_t>(numPes));
    const int home = numPes - 1;
    int at = home;
    pes[static_cast<std::size_t>(home)].arrived(kColl, kIndex, home, true);
    std::deque<int> lateRecords;  // arrival confirmations on their way home
    for (int step = 0; step < 2000; ++step) {
      // Migrate to a random PE (maybe home, maybe where it is).
      const int to = static_cast<int>(rng() % static_cast<unsigned>(numPes));
      if (to != at) {
        pes[static_cast<std::size_t>(at)].departed(kColl, kIndex, to);
        pes[static_cast<std::size_t>(to)].arrived(kColl, kIndex, to, to == home);
        if (to != home) lateRecords.push_back(to);
        at = to;
      }
      // Some confirmations reach home, in a shuffled order.
      while (!lateRecords.empty() && rng() % 3 == 0) {
        std::size_t k = rng() % lateRecords.size();
        pes[static_cast<std::size_t>(home)].record(kColl, kIndex, lateRecords[k]);
        lateRecords.erase(lateRecords.begin() + static_cast<long>(k));
      }
      // A message from a random PE follows the decisions until it reaches `at`.
      int pe = pes[static_cast<std::size_t>(rng() % static_cast<unsigned>(numPes))].route(kColl, kIndex, home);
      int hops = 0;
      while (pe != at) {
        auto d = pes[static_cast<std::size_t>(pe)].whereNext(kColl, kIndex, home, pe);
        REQUIRE(d.action == charm::LocationTable::Action::ForwardTo);
        pe = d.pe;
        REQUIRE(++hops <= 2 * numPes + 2);
      }
    }
  }
}
