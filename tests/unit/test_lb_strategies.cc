// Unit tests of the load-balancing strategies (lb/): every built-in on synthetic
// imbalances, the Strategy contract (pinned objects, unavailable PEs) and edge cases.
// The registry, +balancer sequences and LbSummary: test_lb_registry.cc.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "lb/dummy_lb.h"
#include "lb/greedy_lb.h"
#include "lb/greedy_refine_lb.h"
#include "lb/random_lb.h"
#include "lb/refine_lb.h"
#include "lb/rotate_lb.h"
#include "lb/strategy.h"
#include "lb/strategy_registry.h"
#include "lb_test_inputs.h"

using namespace lb_test;


// ---------------------------------------------------------------- GreedyLB

TEST_CASE("GreedyLB leaves no PE above the average plus the heaviest object", "[lb][greedy]") {
  charm::lb::GreedyLB greedy;
  for (int numPes : kPeCounts)
    for (Dist dist : kDists)
      for (Placement placement : kPlacements)
        for (std::size_t numObjects : {std::size_t{5}, std::size_t{60}, std::size_t{500}}) {
          const LbInput input = synthetic(numPes, numObjects, dist, placement, 42 + numObjects);
          INFO(numPes << " PEs, " << numObjects << " objects, " << distName(dist) << " loads, "
                      << placementName(placement));
          const LbSummary s = runChecked(greedy, input);
          CHECK(s.maxLoadAfter <= s.avgLoadAfter + maxObjectLoad(input) + 1e-9);
          CHECK(s.maxLoadAfter <= s.maxLoadBefore + 1e-9);
          if (placement == Placement::AllOnPe0) CHECK(s.maxLoadAfter < s.maxLoadBefore);
        }
}

TEST_CASE("GreedyLB balances everything-on-PE-0 to within a few percent", "[lb][greedy]") {
  charm::lb::GreedyLB greedy;
  for (int numPes : kPeCounts) {
    const LbInput input = synthetic(numPes, 1000, Dist::Uniform, Placement::AllOnPe0, 7);
    const LbSummary s = runChecked(greedy, input);
    INFO(numPes << " PEs");
    CHECK(s.imbalanceBefore() == Approx(numPes));
    CHECK(s.imbalanceAfter() < 1.01);
  }
}

TEST_CASE("GreedyLB gives each of a few huge objects a PE of its own", "[lb][greedy]") {
  LbInput input = emptyInput(4);
  for (std::uint64_t i = 0; i < 3; ++i) input.objects.push_back({i, 0, 100.0, true});
  for (std::uint64_t i = 3; i < 63; ++i) input.objects.push_back({i, 0, 1.0, true});
  std::vector<int> assignment;
  const LbSummary s = runChecked(*charm::lb::makeStrategy("GreedyLB"), input, &assignment);
  const std::set<int> hugeOn{assignment[0], assignment[1], assignment[2]};
  CHECK(hugeOn.size() == 3);
  // The 60 small objects fill the fourth PE; the huge ones cannot be split.
  CHECK(s.maxLoadAfter == Approx(100.0));
  CHECK(s.maxLoadAfter <= s.avgLoadAfter + 100.0);
  CHECK(s.maxLoadBefore == Approx(360.0));
}

TEST_CASE("GreedyLB counts background load and non-migratable objects", "[lb][greedy]") {
  LbInput input = emptyInput(3);
  input.pes[0].backgroundLoad = 6.0;                    // PE 0 is busy with other work
  input.objects.push_back({100, 1, 4.0, false});        // pinned on PE 1
  for (std::uint64_t i = 0; i < 8; ++i) input.objects.push_back({i, 0, 1.0, true});
  std::vector<int> assignment;
  const LbSummary s = runChecked(*charm::lb::makeStrategy("GreedyLB"), input, &assignment);
  // Total 18 over 3 PEs: PE 0 takes nothing, PE 1 two objects, PE 2 six.
  const std::vector<double> loads = charm::lb::peLoads(input, assignment);
  CHECK(loads == std::vector<double>{6.0, 6.0, 6.0});
  CHECK(assignment[0] == 1);
  CHECK(s.maxLoadAfter == Approx(6.0));
}

TEST_CASE("GreedyLB breaks ties by PE number and object order", "[lb][greedy]") {
  LbInput input = emptyInput(3);
  for (std::uint64_t i = 0; i < 6; ++i) input.objects.push_back({i, 2, 1.0, true});
  const std::vector<int> assignment = charm::lb::GreedyLB().assign(input);
  CHECK(assignment == std::vector<int>{0, 1, 2, 0, 1, 2});
}

// ---------------------------------------------------------------- RefineLB

TEST_CASE("RefineLB lowers the max load of imbalanced placements and never raises it",
          "[lb][refine]") {
  charm::lb::RefineLB refine;
  for (int numPes : kPeCounts)
    for (Dist dist : kDists)
      for (Placement placement : kPlacements) {
        const LbInput input = synthetic(numPes, 200, dist, placement, 1234);
        INFO(numPes << " PEs, " << distName(dist) << " loads, " << placementName(placement));
        const LbSummary s = runChecked(refine, input);
        CHECK(s.maxLoadAfter <= s.maxLoadBefore + 1e-9);
        if (s.imbalanceBefore() > 1.2) CHECK(s.maxLoadAfter < s.maxLoadBefore);
        // When it stops, the heaviest PE is under the threshold or no object on it
        // fits on the lightest PE, which is at most the average: max <= avg + heaviest.
        CHECK(s.maxLoadAfter <= std::max(1.05 * s.avgLoadAfter, s.avgLoadAfter + maxObjectLoad(input)) + 1e-9);
      }
}

TEST_CASE("RefineLB moves fewer objects than GreedyLB on a nearly balanced input", "[lb][refine]") {
  // 4 PEs, 50 objects each of load about 1; PE 2 is 10% heavier than the rest.
  LbInput input = emptyInput(4);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> jitter(0.95, 1.05);
  for (int pe = 0; pe < 4; ++pe)
    for (int k = 0; k < 50; ++k)
      input.objects.push_back({static_cast<std::uint64_t>(pe * 50 + k), pe,
                               jitter(rng) * (pe == 2 ? 1.1 : 1.0), true});
  std::vector<int> refined, greedy;
  const LbSummary r = runChecked(*charm::lb::makeStrategy("RefineLB"), input, &refined);
  const LbSummary g = runChecked(*charm::lb::makeStrategy("GreedyLB"), input, &greedy);
  INFO(charm::lb::describe(r, "RefineLB") << "\n" << charm::lb::describe(g, "GreedyLB"));
  CHECK(r.objectsMoved > 0);
  CHECK(r.objectsMoved <= 6);
  CHECK(g.objectsMoved > 100);
  CHECK(r.maxLoadAfter <= 1.05 * r.avgLoadAfter);
  CHECK(r.maxLoadAfter < r.maxLoadBefore);
}

TEST_CASE("RefineLB keeps a placement that is within its threshold", "[lb][refine]") {
  LbInput input = emptyInput(2);
  input.objects = {{0, 0, 1.0, true}, {1, 0, 1.02, true}, {2, 1, 1.0, true}, {3, 1, 1.0, true}};
  const LbSummary s = runChecked(*charm::lb::makeStrategy("RefineLB"), input);
  CHECK(s.objectsMoved == 0);
  // With no slack at all it moves nothing either when no single move helps.
  charm::lb::RefineLB strict(1.0);
  CHECK(runChecked(strict, input).objectsMoved == 0);
}

TEST_CASE("RefineLB moves the object that best evens the two extreme PEs", "[lb][refine]") {
  // PE 0: 6 (objects 1, 2, 3); PE 1: 0. The best single move is the object of load 3.
  LbInput input = emptyInput(2);
  input.objects = {{0, 0, 1.0, true}, {1, 0, 2.0, true}, {2, 0, 3.0, true}};
  const std::vector<int> assignment = charm::lb::RefineLB().assign(input);
  CHECK(assignment == std::vector<int>{0, 0, 1});
}

// ---------------------------------------------------------------- GreedyRefineLB

TEST_CASE("GreedyRefineLB stays within its tolerance of GreedyLB and migrates less",
          "[lb][greedyrefine]") {
  charm::lb::GreedyLB greedy;
  charm::lb::GreedyRefineLB greedyRefine;
  std::size_t movedByGreedy = 0, movedByGreedyRefine = 0;
  for (int numPes : kPeCounts)
    for (Dist dist : kDists)
      for (Placement placement : kPlacements) {
        const LbInput input = synthetic(numPes, 150, dist, placement, 77);
        INFO(numPes << " PEs, " << distName(dist) << " loads, " << placementName(placement));
        const LbSummary g = runChecked(greedy, input);
        const LbSummary gr = runChecked(greedyRefine, input);
        CHECK(gr.maxLoadAfter <= charm::lb::GreedyRefineLB::kDefaultTolerance * g.maxLoadAfter + 1e-9);
        CHECK(gr.maxLoadAfter <= gr.maxLoadBefore + 1e-9);
        CHECK(gr.objectsMoved <= g.objectsMoved);
        if (placement == Placement::AllOnPe0) CHECK(gr.maxLoadAfter < gr.maxLoadBefore);
        movedByGreedy += g.objectsMoved;
        movedByGreedyRefine += gr.objectsMoved;
      }
  CHECK(movedByGreedyRefine < movedByGreedy / 2);
}

TEST_CASE("GreedyRefineLB moves far fewer objects than GreedyLB on a nearly balanced input",
          "[lb][greedyrefine]") {
  const LbInput balanced = synthetic(7, 350, Dist::Equal, Placement::Block, 1);
  LbInput input = balanced;
  for (ObjectStats& o : input.objects)
    if (o.pe == 3) o.load = 1.3;  // PE 3 became 30% slower
  const LbSummary g = runChecked(*charm::lb::makeStrategy("GreedyLB"), input);
  const LbSummary gr = runChecked(*charm::lb::makeStrategy("GreedyRefineLB"), input);
  INFO(charm::lb::describe(gr, "GreedyRefineLB") << "\n" << charm::lb::describe(g, "GreedyLB"));
  CHECK(gr.objectsMoved <= 20);
  CHECK(g.objectsMoved > 200);
  CHECK(gr.maxLoadAfter <= charm::lb::GreedyRefineLB::kDefaultTolerance * g.maxLoadAfter);
  CHECK(gr.maxLoadAfter < gr.maxLoadBefore);
  // Already balanced: nothing moves.
  CHECK(runChecked(*charm::lb::makeStrategy("GreedyRefineLB"), balanced).objectsMoved == 0);
}

TEST_CASE("GreedyRefineLB leaves a placement within 5% of Greedy's balance alone", "[lb][greedyrefine]") {
  // Two heavy and two light objects, one of each per PE: 1.26 vs 1.17, where
  // GreedyLB's best is 1.22 (3% better). Measured loads wobble more than that
  // between periods; with a 2% tolerance each step swapped the light objects
  // (regression: stencil3d's blocks moved at most balancing steps of a balanced run).
  LbInput input = emptyInput(2);
  input.objects = {{0, 0, 1.00, true}, {1, 0, 0.26, true}, {2, 1, 0.95, true}, {3, 1, 0.22, true}};
  CHECK(runChecked(*charm::lb::makeStrategy("GreedyRefineLB"), input).objectsMoved == 0);
  CHECK(runChecked(*charm::lb::makeStrategy("GreedyLB"), input).objectsMoved > 0);
  charm::lb::GreedyRefineLB strict(1.02);
  CHECK(runChecked(strict, input).objectsMoved > 0);
}

// ---------------------------------------------------------------- RotateLB, DummyLB, RandomLB

TEST_CASE("RotateLB moves every migratable object to the next PE and no pinned one",
          "[lb][rotate]") {
  for (int numPes : kPeCounts) {
    LbInput input = synthetic(numPes, 40, Dist::Uniform, Placement::Random, 5);
    for (std::size_t i = 0; i < input.objects.size(); i += 4) input.objects[i].migratable = false;
    std::vector<int> assignment;
    runChecked(*charm::lb::makeStrategy("RotateLB"), input, &assignment);
    INFO(numPes << " PEs");
    for (std::size_t i = 0; i < input.objects.size(); ++i) {
      const ObjectStats& o = input.objects[i];
      CHECK(assignment[i] == (o.migratable ? (o.pe + 1) % numPes : o.pe));
    }
  }
}

TEST_CASE("RotateLB skips unavailable PEs and moves objects off them", "[lb][rotate]") {
  LbInput input = emptyInput(5);
  input.pes[1].available = false;
  input.pes[4].available = false;
  for (int pe = 0; pe < 5; ++pe) input.objects.push_back({static_cast<std::uint64_t>(pe), pe, 1.0, true});
  input.objects.push_back({9, 4, 1.0, false});  // pinned on an unavailable PE: stays
  std::vector<int> assignment;
  runChecked(*charm::lb::makeStrategy("RotateLB"), input, &assignment);
  CHECK(assignment == std::vector<int>{2, 2, 3, 0, 0, 4});

  // One available PE: objects on it stay, the others come to it.
  LbInput lonely = emptyInput(3);
  lonely.pes[0].available = lonely.pes[2].available = false;
  lonely.objects = {{0, 0, 1.0, true}, {1, 1, 1.0, true}, {2, 2, 1.0, true}};
  CHECK(charm::lb::RotateLB().assign(lonely) == std::vector<int>{1, 1, 1});
}

TEST_CASE("DummyLB moves nothing", "[lb][dummy]") {
  LbInput input = synthetic(4, 100, Dist::Pareto, Placement::AllOnPe0, 3);
  input.pes[0].available = false;  // not even off an unavailable PE
  std::vector<int> assignment;
  const LbSummary s = runChecked(*charm::lb::makeStrategy("DummyLB"), input, &assignment);
  CHECK(s.objectsMoved == 0);
  CHECK(assignment == charm::lb::currentPlacement(input));
}

TEST_CASE("RandomLB is deterministic for a seed and differs across seeds", "[lb][random]") {
  LbInput input = synthetic(7, 300, Dist::Uniform, Placement::Block, 11);
  input.pes[5].available = false;
  for (std::size_t i = 0; i < input.objects.size(); i += 10) input.objects[i].migratable = false;
  charm::lb::RandomLB random;
  input.seed = 2024;
  std::vector<int> first, again, other;
  runChecked(random, input, &first);
  runChecked(*charm::lb::makeStrategy("RandomLB"), input, &again);  // a fresh instance too
  CHECK(first == again);
  input.seed = 2025;
  runChecked(random, input, &other);
  CHECK(first != other);

  // Roughly uniform over the six available PEs (270 migratable objects: 45 each).
  std::vector<int> perPe(7, 0);
  for (std::size_t i = 0; i < first.size(); ++i)
    if (input.objects[i].migratable) ++perPe[static_cast<std::size_t>(first[i])];
  CHECK(perPe[5] == 0);
  for (int pe : {0, 1, 2, 3, 4, 6}) CHECK(perPe[static_cast<std::size_t>(pe)] > 20);
}

TEST_CASE("RandomLB gives the same placement as a pinned reference", "[lb][random]") {
  // Guards the cross-platform promise: mt19937_64 and the rejection draw are
  // fully specified, so this placement must never change.
  LbInput input = emptyInput(3);
  for (std::uint64_t i = 0; i < 8; ++i) input.objects.push_back({i, 0, 1.0, true});
  input.seed = 1;
  const std::vector<int> assignment = charm::lb::RandomLB().assign(input);
  std::mt19937_64 engine(1);
  std::vector<int> expected;
  const std::uint64_t reject = (0 - std::uint64_t{3}) % 3;
  for (int k = 0; k < 8; ++k) {
    std::uint64_t r = engine();
    while (r < reject) r = engine();
    expected.push_back(static_cast<int>(r % 3));
  }
  CHECK(assignment == expected);
}

// ---------------------------------------------------------------- the contract, for every strategy

TEST_CASE("no strategy moves a pinned object or puts one on an unavailable PE", "[lb][contract]") {
  for (int numPes : kPeCounts)
    for (Dist dist : {Dist::Uniform, Dist::Pareto, Dist::Bimodal})
      for (Placement placement : kPlacements) {
        LbInput input = synthetic(numPes, 120, dist, placement, 8);
        input.seed = 17;
        input.pes[static_cast<std::size_t>(numPes - 1)].available = false;
        if (numPes > 2) input.pes[1].available = false;
        for (std::size_t i = 0; i < input.objects.size(); i += 3) input.objects[i].migratable = false;
        for (auto& strategy : allBuiltins()) {
          INFO(strategy->name() << ", " << numPes << " PEs, " << distName(dist) << " loads, "
                                << placementName(placement));
          std::vector<int> assignment;
          runChecked(*strategy, input, &assignment);  // checkAssignment inside
          for (std::size_t i = 0; i < assignment.size(); ++i) {
            const ObjectStats& o = input.objects[i];
            if (!o.migratable) CHECK(assignment[i] == o.pe);
            // Every balancer evacuates migratable objects from unavailable PEs.
            if (o.migratable && std::string(strategy->name()) != "DummyLB")
              CHECK(input.pes[static_cast<std::size_t>(assignment[i])].available);
          }
        }
      }
}

TEST_CASE("every strategy gives the same answer for the same input", "[lb][contract]") {
  LbInput input = synthetic(7, 200, Dist::Exponential, Placement::Random, 21);
  input.seed = 5;
  for (auto& strategy : allBuiltins()) {
    INFO(strategy->name());
    const std::vector<int> first = strategy->assign(input);
    CHECK(strategy->assign(input) == first);
    CHECK(charm::lb::makeStrategy(strategy->name())->assign(input) == first);
  }
}

TEST_CASE("strategies handle zero objects, one PE, zero loads and no available PE",
          "[lb][edge]") {
  for (auto& strategy : allBuiltins()) {
    INFO(strategy->name());
    // Zero objects.
    const LbInput none = emptyInput(4);
    CHECK(strategy->assign(none).empty());
    CHECK(summarize(none, {}).maxLoadAfter == 0.0);
    // One PE: nothing can go anywhere else.
    const LbInput one = synthetic(1, 30, Dist::Exponential, Placement::Random, 2);
    CHECK(runChecked(*strategy, one).objectsMoved == 0);
    // All loads zero: valid, and the balancers see nothing to fix.
    const LbInput zero = synthetic(4, 40, Dist::Equal, Placement::AllOnPe0, 2);
    LbInput zeros = zero;
    for (ObjectStats& o : zeros.objects) o.load = 0.0;
    const LbSummary z = runChecked(*strategy, zeros);
    CHECK(z.maxLoadAfter == 0.0);
    CHECK(z.imbalanceAfter() == 1.0);
    const std::string name = strategy->name();
    if (name == "RefineLB" || name == "GreedyRefineLB" || name == "DummyLB")
      CHECK(z.objectsMoved == 0);
    // No PE available: everything stays.
    LbInput closed = synthetic(3, 30, Dist::Uniform, Placement::Random, 2);
    for (PeStats& pe : closed.pes) pe.available = false;
    CHECK(runChecked(*strategy, closed).objectsMoved == 0);
    // No PEs at all and no objects.
    CHECK(strategy->assign(LbInput{}).empty());
  }
}

TEST_CASE("strategies reject malformed input with a message naming the problem", "[lb][edge]") {
  charm::lb::GreedyLB greedy;
  LbInput input = emptyInput(2);
  input.objects = {{7, 0, 1.0, true}};

  LbInput wrongIndex = input;
  wrongIndex.pes[1].pe = 5;
  CHECK_THROWS_WITH(greedy.assign(wrongIndex), Catch::Contains("pes[1] says PE 5"));

  LbInput offRange = input;
  offRange.objects[0].pe = 2;
  CHECK_THROWS_WITH(greedy.assign(offRange), Catch::Contains("id 7") && Catch::Contains("PE 2"));

  LbInput negative = input;
  negative.objects[0].load = -1.0;
  CHECK_THROWS_AS(greedy.assign(negative), std::invalid_argument);

  LbInput nan = input;
  nan.pes[0].backgroundLoad = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(charm::lb::RefineLB().assign(nan), std::invalid_argument);
}
