// Synthetic load-balancing inputs and the checked run shared by the unit tests of
// lb/ (test_lb_strategies.cc, test_lb_registry.cc).
#pragma once

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

#include "lb/strategy.h"
#include "lb/strategy_registry.h"

namespace lb_test {

using charm::lb::checkAssignment;
using charm::lb::LbInput;
using charm::lb::LbSummary;
using charm::lb::ObjectStats;
using charm::lb::PeStats;
using charm::lb::Strategy;
using charm::lb::summarize;

enum class Dist { Uniform, Exponential, Pareto, Bimodal, Equal };
enum class Placement { AllOnPe0, Random, Block };

inline const char* distName(Dist d) {
  switch (d) {
    case Dist::Uniform: return "uniform";
    case Dist::Exponential: return "exponential";
    case Dist::Pareto: return "pareto";
    case Dist::Bimodal: return "bimodal";
    case Dist::Equal: return "equal";
  }
  return "?";
}

inline const char* placementName(Placement p) {
  switch (p) {
    case Placement::AllOnPe0: return "all on PE 0";
    case Placement::Random: return "random";
    case Placement::Block: return "block";
  }
  return "?";
}

inline LbInput emptyInput(int numPes) {
  LbInput input;
  for (int p = 0; p < numPes; ++p) input.pes.push_back(PeStats{p, 0.0, true});
  return input;
}

// `numObjects` objects with loads from `dist`, placed by `placement`.
inline LbInput synthetic(int numPes, std::size_t numObjects, Dist dist, Placement placement,
                  std::uint64_t seed) {
  LbInput input = emptyInput(numPes);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.5, 1.5);
  std::exponential_distribution<double> exponential(1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> anyPe(0, numPes - 1);
  for (std::size_t i = 0; i < numObjects; ++i) {
    double load = 1.0;
    switch (dist) {
      case Dist::Uniform: load = uniform(rng); break;
      case Dist::Exponential: load = exponential(rng); break;
      case Dist::Pareto: load = std::min(50.0, 0.1 / std::pow(1.0 - unit(rng), 1.0 / 1.5)); break;
      case Dist::Bimodal: load = unit(rng) < 0.1 ? 10.0 : 0.5; break;
      case Dist::Equal: load = 1.0; break;
    }
    int pe = 0;
    switch (placement) {
      case Placement::AllOnPe0: pe = 0; break;
      case Placement::Random: pe = anyPe(rng); break;
      case Placement::Block:
        pe = static_cast<int>(i * static_cast<std::size_t>(numPes) / numObjects);
        break;
    }
    input.objects.push_back(ObjectStats{1000 + i, pe, load, true});
  }
  return input;
}

inline double maxObjectLoad(const LbInput& input) {
  double max = 0;
  for (const ObjectStats& o : input.objects) max = std::max(max, o.load);
  return max;
}

// Runs `strategy`, checks the Strategy contract and returns the summary.
inline LbSummary runChecked(Strategy& strategy, const LbInput& input, std::vector<int>* out = nullptr) {
  const std::vector<int> assignment = strategy.assign(input);
  REQUIRE(assignment.size() == input.objects.size());
  REQUIRE_NOTHROW(checkAssignment(input, assignment, strategy.name()));
  if (out) *out = assignment;
  return summarize(input, assignment);
}

inline std::vector<std::unique_ptr<Strategy>> allBuiltins() {
  std::vector<std::unique_ptr<Strategy>> all;
  for (const char* name : {"GreedyLB", "RefineLB", "GreedyRefineLB", "RotateLB", "RandomLB", "DummyLB"})
    all.push_back(charm::lb::makeStrategy(name));
  return all;
}

inline const Dist kDists[] = {Dist::Uniform, Dist::Exponential, Dist::Pareto, Dist::Bimodal, Dist::Equal};
inline const Placement kPlacements[] = {Placement::AllOnPe0, Placement::Random, Placement::Block};
inline const int kPeCounts[] = {2, 4, 7};

}  // namespace lb_test
