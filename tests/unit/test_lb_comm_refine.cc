// Unit tests of the communication-aware refinement (lb/comm_refine.h) and of
// GreedyRefineLB using it: which objects move, not how many.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "lb/comm_refine.h"
#include "lb/greedy_lb.h"
#include "lb/greedy_refine_lb.h"
#include "lb/strategy.h"
#include "lb/strategy_registry.h"
#include "lb_test_inputs.h"

using namespace lb_test;
using charm::lb::CommEdge;
using charm::lb::currentPlacement;
using charm::lb::peLoads;

namespace {

// stencil3d's case: n^3 blocks, the first half along x on PE 0 and `heavy` times
// as loaded (with +-`noise` relative jitter), faces exchanged between neighbours.
LbInput stencil(int n, double heavy, double noise, std::uint64_t seed) {
  LbInput input = emptyInput(2);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(1 - noise, 1 + noise);
  auto id = [n](int x, int y, int z) { return static_cast<std::uint64_t>((x * n + y) * n + z); };
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      for (int z = 0; z < n; ++z) {
        const bool left = x < n / 2;
        input.objects.push_back(ObjectStats{id(x, y, z), left ? 0 : 1, (left ? heavy : 1.0) * jitter(rng), true});
        const int next[3][3] = {{x + 1, y, z}, {x, y + 1, z}, {x, y, z + 1}};
        for (const auto& q : next)
          if (q[0] < n && q[1] < n && q[2] < n) {
            input.comm.push_back(CommEdge{id(x, y, z), id(q[0], q[1], q[2]), 10, 180000});
            input.comm.push_back(CommEdge{id(q[0], q[1], q[2]), id(x, y, z), 10, 180000});
          }
      }
  return input;
}

std::size_t moved(const LbInput& input, const std::vector<int>& assignment) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < assignment.size(); ++i) count += assignment[i] != input.objects[i].pe;
  return count;
}

}  // namespace

TEST_CASE("crossPeTraffic counts each edge between objects on different PEs once", "[lb][comm]") {
  LbInput input = emptyInput(2);
  input.objects = {{10, 0, 1, true}, {11, 0, 1, true}, {12, 1, 1, true}};
  input.comm = {{10, 11, 1, 100}, {11, 12, 2, 50}, {12, 10, 0, 7}, {10, 99, 5, 5}};  // 99: unknown
  CHECK(charm::lb::commWeight(input.comm[1]) == 50 + 2 * 1024);
  CHECK(charm::lb::crossPeTraffic(input, {0, 0, 1}) == (50 + 2048) + 7);
  CHECK(charm::lb::crossPeTraffic(input, {0, 0, 0}) == 0);
  CHECK(charm::lb::crossPeTraffic(input, {1, 0, 0}) == (100 + 1024) + 7);
}

TEST_CASE("GreedyRefineLB moves the blocks that border the other PE in a stencil", "[lb][comm][greedyrefine]") {
  for (double noise : {0.0, 0.03, 0.1}) {
    const LbInput input = stencil(4, 4.0, noise, 5);
    INFO("noise " << noise);
    std::vector<int> plain = charm::lb::GreedyLB().assign(input);
    std::vector<int> refined;
    const LbSummary s = runChecked(*charm::lb::makeStrategy("GreedyRefineLB"), input, &refined);
    CHECK(s.imbalanceAfter() < 1.06);
    CHECK(moved(input, refined) <= moved(input, plain));
    const double before = charm::lb::crossPeTraffic(input, currentPlacement(input));
    const double after = charm::lb::crossPeTraffic(input, refined);
    INFO("cross-PE traffic " << before << " -> " << after << ", " << moved(input, refined) << " moved");
    // 12 of the 32 heavy blocks move. Picked by load alone they cut about twice
    // the faces of the x midplane; next to PE 1 about 1.5 times as many.
    CHECK(after < 1.6 * before);
  }
}

TEST_CASE("refineCommunication keeps the number of moves and the load limit", "[lb][comm]") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    LbInput input = synthetic(4, 60, Dist::Exponential, Placement::Random, 100 + trial);
    std::uniform_int_distribution<std::size_t> pick(0, input.objects.size() - 1);
    for (int e = 0; e < 150; ++e)
      input.comm.push_back(CommEdge{input.objects[pick(rng)].id, input.objects[pick(rng)].id, 1 + pick(rng) % 5,
                                    pick(rng) * 100});
    input.objects[3].migratable = false;
    std::vector<int> assignment = charm::lb::GreedyLB().assign(input);
    const std::vector<double> loadsBefore = peLoads(input, assignment);
    double limit = 0;
    for (double l : loadsBefore) limit = std::max(limit, l);
    const std::size_t movesBefore = moved(input, assignment);
    const double trafficBefore = charm::lb::crossPeTraffic(input, assignment);
    charm::lb::refineCommunication(input, assignment, limit);
    charm::lb::checkAssignment(input, assignment, "refineCommunication");
    INFO("trial " << trial);
    CHECK(moved(input, assignment) <= movesBefore);
    CHECK(charm::lb::crossPeTraffic(input, assignment) <= trafficBefore);
    for (double l : peLoads(input, assignment)) CHECK(l <= limit + 1e-9);
    CHECK(assignment[3] == input.objects[3].pe);
  }
}

TEST_CASE("refineCommunication changes nothing without communication or moves", "[lb][comm]") {
  LbInput input = stencil(2, 2.0, 0.0, 1);
  std::vector<int> stay = currentPlacement(input);
  charm::lb::refineCommunication(input, stay, 1e9);
  CHECK(stay == currentPlacement(input));
  input.comm.clear();
  std::vector<int> plan = charm::lb::GreedyLB().assign(input);
  const std::vector<int> copy = plan;
  charm::lb::refineCommunication(input, plan, 1e9);
  CHECK(plan == copy);
}
