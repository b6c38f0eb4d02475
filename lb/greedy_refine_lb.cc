#include "lb/greedy_refine_lb.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "lb/comm_refine.h"
#include "lb/greedy_lb.h"
#include "lb/strategy_util.h"

namespace charm::lb {

namespace {

double maxAvailableLoad(const LbInput& input, const std::vector<double>& peLoad) {
  double max = 0;
  for (int pe : availablePes(input)) max = std::max(max, peLoad[static_cast<std::size_t>(pe)]);
  return max;
}

std::size_t countMoved(const LbInput& input, const std::vector<int>& assignment) {
  std::size_t moved = 0;
  for (std::size_t i = 0; i < assignment.size(); ++i) moved += assignment[i] != input.objects[i].pe;
  return moved;
}

// Objects in `stayOrder` stay where they are while their PE's load stays within
// `cap`; the rest go greedily to the least-loaded PEs. Nothing if the result
// exceeds the cap somewhere.
std::optional<std::vector<int>> keepWhatFits(const LbInput& input, const std::vector<std::size_t>& stayOrder,
                                             double cap) {
  std::vector<int> assignment = currentPlacement(input);
  std::vector<double> peLoad = fixedLoads(input);
  std::vector<std::size_t> toPlace;
  for (std::size_t i : stayOrder) {
    const ObjectStats& o = input.objects[i];
    double& load = peLoad[static_cast<std::size_t>(o.pe)];
    if (input.pes[static_cast<std::size_t>(o.pe)].available && load + o.load <= cap)
      load += o.load;  // stays
    else
      toPlace.push_back(i);
  }
  placeHeaviestFirst(input, toPlace, peLoad, assignment);
  if (maxAvailableLoad(input, peLoad) > cap) return std::nullopt;
  return assignment;
}

}  // namespace

GreedyRefineLB::GreedyRefineLB(double tolerance)
    : tolerance_(std::isfinite(tolerance) ? std::max(1.0, tolerance) : 1.0) {}

std::vector<int> GreedyRefineLB::assign(const LbInput& input) {
  std::vector<int> greedy = GreedyLB().assign(input);  // checks the input
  if (availablePes(input).empty()) return greedy;
  const double cap = tolerance_ * maxAvailableLoad(input, peLoads(input, greedy));

  std::vector<std::size_t> migratable;
  for (std::size_t i = 0; i < input.objects.size(); ++i)
    if (input.objects[i].migratable) migratable.push_back(i);
  const std::vector<std::size_t> heaviest = heaviestFirst(input, migratable);
  std::vector<std::size_t> lightest = migratable;
  std::stable_sort(lightest.begin(), lightest.end(), [&](std::size_t a, std::size_t b) {
    return input.objects[a].load < input.objects[b].load;
  });

  // Candidates in order of preference among equals; the greedy one always fits.
  std::vector<std::vector<int>> candidates;
  const std::vector<std::size_t>* const stayOrders[] = {&heaviest, &lightest};
  for (const std::vector<std::size_t>* order : stayOrders)
    if (auto candidate = keepWhatFits(input, *order, cap)) candidates.push_back(std::move(*candidate));
  candidates.push_back(std::move(greedy));

  std::size_t best = 0;
  auto key = [&](std::size_t c) {
    return std::make_tuple(countMoved(input, candidates[c]),
                           maxAvailableLoad(input, peLoads(input, candidates[c])));
  };
  for (std::size_t c = 1; c < candidates.size(); ++c)
    if (key(c) < key(best)) best = c;
  std::vector<int> result = std::move(candidates[best]);
  // Which objects move: those that talk most to their new PE, for as many moves
  // and at most half of the tolerance's slack of balance.
  const double max = maxAvailableLoad(input, peLoads(input, result));
  refineCommunication(input, result, max + (std::max(cap, max) - max) / 2);
  return result;
}

}  // namespace charm::lb
