// Unit tests of the strategy registry (lb/strategy_registry.h): built-ins and user
// registration (the example of lb/README.md), Charm++ balancer names, +balancer
// sequences, the +LB filters and LbSummary. The strategies themselves:
// test_lb_strategies.cc.
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

// ----- The example of lb/README.md, verbatim: a user strategy and its registration.
#include "lb/strategy_registry.h"

// Deals the migratable objects out to the available PEs in turn, ignoring loads.
class RoundRobinLB : public charm::lb::Strategy {
 public:
  const char* name() const override { return "RoundRobinLB"; }
  std::vector<int> assign(const charm::lb::LbInput& input) override {
    std::vector<int> available, result;
    for (const auto& pe : input.pes)
      if (pe.available) available.push_back(pe.pe);
    std::size_t next = 0;
    for (const auto& o : input.objects)
      result.push_back(o.migratable && !available.empty()
                           ? available[next++ % available.size()] : o.pe);
    return result;
  }
};
CHARM_REGISTER_STRATEGY(RoundRobinLB);
// ----- end of the README example.

using namespace lb_test;

TEST_CASE("checkAssignment names a strategy that breaks the contract", "[lb][contract]") {
  LbInput input = emptyInput(3);
  input.pes[2].available = false;
  input.objects = {{1, 0, 1.0, false}, {2, 1, 1.0, true}};
  CHECK_NOTHROW(checkAssignment(input, {0, 0}, "X"));
  CHECK_THROWS_WITH(checkAssignment(input, {1, 1}, "BadLB"),
                    Catch::Contains("BadLB") && Catch::Contains("non-migratable"));
  CHECK_THROWS_WITH(checkAssignment(input, {0, 2}, "BadLB"), Catch::Contains("unavailable PE 2"));
  CHECK_THROWS_WITH(checkAssignment(input, {0, 3}, "BadLB"), Catch::Contains("outside"));
  CHECK_THROWS_WITH(checkAssignment(input, {0}, "BadLB"), Catch::Contains("1 PEs for 2 objects"));
}

// ---------------------------------------------------------------- registry and +balancer

TEST_CASE("the registry knows the built-ins, sorted, and makes fresh instances", "[lb][registry]") {
  const std::vector<std::string> names = charm::lb::strategyNames();
  CHECK(std::is_sorted(names.begin(), names.end()));
  for (const char* builtin : {"DummyLB", "GreedyLB", "GreedyRefineLB", "RandomLB", "RefineLB", "RotateLB"}) {
    INFO(builtin);
    CHECK(std::count(names.begin(), names.end(), builtin) == 1);
    const auto strategy = charm::lb::makeStrategy(builtin);
    REQUIRE(strategy);
    CHECK(std::string(strategy->name()) == builtin);
  }
  CHECK(charm::lb::makeStrategy("GreedyLB") != charm::lb::makeStrategy("GreedyLB"));
  // Charm++ style short names.
  CHECK(std::string(charm::lb::makeStrategy("Greedy")->name()) == "GreedyLB");
  CHECK(std::string(charm::lb::makeStrategy("Refine")->name()) == "RefineLB");
}

TEST_CASE("an unknown strategy name is an error listing the known names", "[lb][registry]") {
  CHECK_THROWS_AS(charm::lb::makeStrategy("NoSuchLB"), std::invalid_argument);
  CHECK_THROWS_WITH(charm::lb::makeStrategy("NoSuchLB"),
                    Catch::Contains("NoSuchLB") && Catch::Contains("GreedyLB, GreedyRefineLB") &&
                        Catch::Contains("RotateLB"));
  CHECK_THROWS_AS(charm::lb::makeStrategy("greedylb"), std::invalid_argument);  // names are case-sensitive
}

TEST_CASE("Charm++ balancer names run their charmpy counterpart", "[lb][registry][charm++]") {
  // RandCentLB is Charm++'s name of the same algorithm: same placement, no note.
  LbInput input = emptyInput(4);
  for (std::uint64_t i = 0; i < 12; ++i) input.objects.push_back({i, 0, 1.0, true});
  input.seed = 7;
  const auto randCent = charm::lb::makeStrategy("RandCentLB");
  CHECK(std::string(randCent->name()) == "RandomLB");
  CHECK(randCent->assign(input) == charm::lb::makeStrategy("RandomLB")->assign(input));
  CHECK(std::string(charm::lb::makeStrategy("RandCent")->name()) == "RandomLB");
  CHECK(charm::lb::balancerNotes({"RandCentLB"}).empty());
  // The others run the nearest strategy, and say so.
  CHECK(std::string(charm::lb::makeStrategy("GreedyCommLB")->name()) == "GreedyLB");
  CHECK(std::string(charm::lb::makeStrategy("RefineCommLB")->name()) == "RefineLB");
  CHECK(std::string(charm::lb::makeStrategy("TreeLB")->name()) == "GreedyRefineLB");
  CHECK(std::string(charm::lb::makeStrategy("MetisLB")->name()) == "GreedyLB");
  const auto notes = charm::lb::balancerNotes({"GreedyLB,GreedyCommLB", "RandCentLB,DistributedLB"});
  REQUIRE(notes.size() == 2);
  CHECK_THAT(notes[0], Catch::Contains("GreedyCommLB") && Catch::Contains("runs GreedyLB instead") &&
                           Catch::Contains("communicat"));
  CHECK_THAT(notes[1], Catch::Contains("DistributedLB") && Catch::Contains("runs RefineLB instead"));
  const auto sequence = charm::lb::makeBalancer("RandCentLB,RefineCommLB");
  CHECK(std::string(sequence->name()) == "RandomLB,RefineLB");
  // Every alias names a built-in, and the table is sorted for the error message.
  const auto& aliases = charm::lb::charmBalancerAliases();
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    INFO(aliases[i].charmName);
    CHECK(charm::lb::makeStrategy(aliases[i].ours));
    CHECK(aliases[i].same == aliases[i].difference.empty());
    if (i) CHECK(aliases[i - 1].charmName < aliases[i].charmName);
  }
}

TEST_CASE("an unknown name's error lists ours and the Charm++ names accepted", "[lb][registry][charm++]") {
  CHECK_THROWS_WITH(charm::lb::makeBalancer("RandCentLB,NoSuchLB"),
                    Catch::Contains("unknown load balancer 'NoSuchLB'") && Catch::Contains("GreedyRefineLB") &&
                        Catch::Contains("RandCentLB (runs RandomLB)") && Catch::Contains("+balancer A,B"));
}

TEST_CASE("a user strategy named like a Charm++ balancer takes precedence over the alias",
          "[lb][registry][charm++]") {
  charm::lb::registerStrategy("ZoltanLB", [] { return std::unique_ptr<Strategy>(std::make_unique<charm::lb::DummyLB>()); });
  CHECK(std::string(charm::lb::makeStrategy("ZoltanLB")->name()) == "DummyLB");
  CHECK(charm::lb::balancerNotes({"ZoltanLB"}).empty());
}

TEST_CASE("+LBCommOff, +LBNoBackground and +LBObjOnly narrow what a strategy sees", "[lb][filter]") {
  auto make = [] {
    LbInput input = emptyInput(2);
    input.pes[0].backgroundLoad = 3.0;
    input.pes[1].backgroundLoad = 0.5;
    input.objects = {{0, 0, 1.0, true}, {1, 1, 2.0, false}, {2, 1, 1.5, true}};
    input.comm = {{0, 2, 10, 800}};
    return input;
  };
  LbInput all = make();
  charm::lb::filterInput(all, {});
  CHECK(all.comm.size() == 1);
  CHECK(all.pes[0].backgroundLoad == 3.0);
  CHECK(all.objects[1].load == 2.0);

  LbInput commOff = make();
  charm::lb::filterInput(commOff, {false, true, true});
  CHECK(commOff.comm.empty());
  CHECK(commOff.pes[0].backgroundLoad == 3.0);

  LbInput noBackground = make();
  charm::lb::filterInput(noBackground, {true, false, true});
  CHECK(noBackground.pes[0].backgroundLoad == 0);
  CHECK(noBackground.pes[1].backgroundLoad == 0);
  CHECK(noBackground.objects[1].load == 2.0);

  LbInput objOnly = make();
  charm::lb::filterInput(objOnly, {true, false, false});
  CHECK(objOnly.pes[0].backgroundLoad == 0);
  CHECK(objOnly.objects[0].load == 1.0);
  CHECK(objOnly.objects[1].load == 0);   // pinned: its load no longer counts
  CHECK(objOnly.objects[2].load == 1.5);
  // With the background and the pinned load counted, GreedyLB puts the heavier
  // movable object on PE 1 (2.5 s against PE 0's 3 s); with +LBObjOnly both PEs
  // look empty and it goes to PE 0.
  const auto greedy = charm::lb::makeStrategy("GreedyLB");
  LbInput counted = make();
  CHECK(greedy->assign(counted) == std::vector<int>{0, 1, 1});
  CHECK(greedy->assign(objOnly) == std::vector<int>{1, 1, 0});
}

TEST_CASE("a strategy registered with CHARM_REGISTER_STRATEGY is found by name", "[lb][registry]") {
  const std::vector<std::string> names = charm::lb::strategyNames();
  CHECK(std::count(names.begin(), names.end(), "RoundRobinLB") == 1);
  const auto strategy = charm::lb::makeBalancer("RoundRobin");
  CHECK(std::string(strategy->name()) == "RoundRobinLB");

  LbInput input = emptyInput(3);
  input.pes[1].available = false;
  input.objects = {{0, 0, 1.0, true}, {1, 0, 1.0, false}, {2, 1, 1.0, true}, {3, 2, 1.0, true}};
  std::vector<int> assignment;
  runChecked(*strategy, input, &assignment);
  CHECK(assignment == std::vector<int>{0, 0, 2, 0});
}

TEST_CASE("registering a taken or unusable name is refused", "[lb][registry]") {
  auto factory = [] { return std::unique_ptr<Strategy>(std::make_unique<charm::lb::DummyLB>()); };
  CHECK_THROWS_WITH(charm::lb::registerStrategy("GreedyLB", factory), Catch::Contains("already registered"));
  CHECK_THROWS_AS(charm::lb::registerStrategy("A,B", factory), std::invalid_argument);
  CHECK_THROWS_AS(charm::lb::registerStrategy("", factory), std::invalid_argument);
  CHECK_THROWS_AS(charm::lb::registerStrategy("Has Space", factory), std::invalid_argument);
  CHECK_THROWS_AS(charm::lb::registerStrategy("NullLB", nullptr), std::invalid_argument);
  const std::vector<std::string> names = charm::lb::strategyNames();
  CHECK(std::count(names.begin(), names.end(), "A,B") == 0);
}

TEST_CASE("+balancer values parse into a sequence of names", "[lb][registry]") {
  using V = std::vector<std::string>;
  CHECK(charm::lb::parseBalancerList("GreedyLB") == V{"GreedyLB"});
  CHECK(charm::lb::parseBalancerList("GreedyLB,RefineLB") == V{"GreedyLB", "RefineLB"});
  CHECK(charm::lb::parseBalancerList(" GreedyLB , RefineLB ") == V{"GreedyLB", "RefineLB"});
  // Several flags (RuntimeFlags joins repeated +balancer values with commas too).
  CHECK(charm::lb::parseBalancerList(V{"GreedyLB", "RefineLB,RotateLB"}) ==
        V{"GreedyLB", "RefineLB", "RotateLB"});
  CHECK_THROWS_AS(charm::lb::parseBalancerList(""), std::invalid_argument);
  CHECK_THROWS_AS(charm::lb::parseBalancerList(V{}), std::invalid_argument);
  CHECK_THROWS_WITH(charm::lb::parseBalancerList("GreedyLB,,RefineLB"), Catch::Contains("empty strategy name"));
  CHECK_THROWS_AS(charm::lb::parseBalancerList("GreedyLB,"), std::invalid_argument);
  // Unknown names fail before anything runs.
  CHECK_THROWS_WITH(charm::lb::makeBalancer("GreedyLB,NoSuchLB"), Catch::Contains("NoSuchLB"));
}

TEST_CASE("strategies in a sequence each see the previous placement", "[lb][registry]") {
  LbInput input = emptyInput(3);
  for (std::uint64_t i = 0; i < 6; ++i) input.objects.push_back({i, static_cast<int>(i % 3), 1.0, true});

  const auto twice = charm::lb::makeBalancer("RotateLB,RotateLB");
  CHECK(std::string(twice->name()) == "RotateLB,RotateLB");
  std::vector<int> assignment;
  runChecked(*twice, input, &assignment);
  for (std::size_t i = 0; i < assignment.size(); ++i) CHECK(assignment[i] == (input.objects[i].pe + 2) % 3);

  // One name gives the strategy itself, not a sequence of one.
  const auto single = charm::lb::makeBalancer(std::vector<std::string>{"RandomLB"});
  CHECK(dynamic_cast<charm::lb::StrategySequence*>(single.get()) == nullptr);
  input.seed = 9;
  CHECK(single->assign(input) == charm::lb::RandomLB().assign(input));

  // Greedy then Refine: still balanced, and Refine finds nothing to add.
  const LbInput skewed = synthetic(4, 100, Dist::Exponential, Placement::AllOnPe0, 4);
  std::vector<int> greedyOnly, both;
  runChecked(*charm::lb::makeStrategy("GreedyLB"), skewed, &greedyOnly);
  runChecked(*charm::lb::makeBalancer(std::vector<std::string>{"GreedyLB", "RefineLB"}), skewed, &both);
  CHECK(summarize(skewed, both).maxLoadAfter <= summarize(skewed, greedyOnly).maxLoadAfter + 1e-9);
}

// ---------------------------------------------------------------- summary

TEST_CASE("summarize reports max and average load before and after, and what moved",
          "[lb][summary]") {
  LbInput input = emptyInput(3);
  input.pes[0].backgroundLoad = 1.0;
  input.pes[2].available = false;
  input.objects = {{0, 0, 4.0, true}, {1, 0, 2.0, true}, {2, 1, 1.0, true}, {3, 2, 0.5, true}};
  // Before: PE loads 7, 1, 0.5. After moving objects 1 and 3 to PE 1: 5, 3.5, 0.
  const LbSummary s = summarize(input, {0, 1, 1, 1});
  CHECK(s.numPes == 3);
  CHECK(s.numAvailablePes == 2);
  CHECK(s.numObjects == 4);
  CHECK(s.maxLoadBefore == Approx(7.0));
  CHECK(s.maxPeBefore == 0);
  CHECK(s.avgLoadBefore == Approx(4.0));  // over the available PEs 0 and 1
  CHECK(s.maxLoadAfter == Approx(5.0));
  CHECK(s.maxPeAfter == 0);
  CHECK(s.avgLoadAfter == Approx(4.25));
  CHECK(s.objectsMoved == 2);
  CHECK(s.loadMoved == Approx(2.5));
  CHECK(s.imbalanceBefore() == Approx(1.75));
  const std::string line = charm::lb::describe(s, "TestLB");
  CHECK_THAT(line, Catch::StartsWith("TestLB: 3 PEs (2 available), 4 objects") && Catch::Contains("2 moved"));
  const std::string longName(400, 'L');  // e.g. a long +balancer sequence: never cut short
  CHECK_THAT(charm::lb::describe(s, longName.c_str()),
             Catch::StartsWith(longName + ": 3 PEs") && Catch::EndsWith("(2.500 s of load)"));
  CHECK_THROWS_AS(summarize(input, {0, 1}), std::invalid_argument);
}
