#include "lb/refine_lb.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "lb/strategy_util.h"

namespace charm::lb {

RefineLB::RefineLB(double overloadFactor)
    : overloadFactor_(std::isfinite(overloadFactor) ? std::max(1.0, overloadFactor) : 1.0) {}

std::vector<int> RefineLB::assign(const LbInput& input) {
  checkInput(input);
  std::vector<int> assignment = currentPlacement(input);
  const std::vector<int> available = availablePes(input);
  if (available.empty()) return assignment;

  // Evacuate unavailable PEs first.
  std::vector<double> peLoad(input.pes.size());
  for (std::size_t p = 0; p < input.pes.size(); ++p) peLoad[p] = input.pes[p].backgroundLoad;
  std::vector<std::size_t> evacuees;
  for (std::size_t i = 0; i < input.objects.size(); ++i) {
    const ObjectStats& o = input.objects[i];
    if (o.migratable && !input.pes[static_cast<std::size_t>(o.pe)].available)
      evacuees.push_back(i);
    else
      peLoad[static_cast<std::size_t>(o.pe)] += o.load;
  }
  placeHeaviestFirst(input, evacuees, peLoad, assignment);

  double total = 0;
  for (int pe : available) total += peLoad[static_cast<std::size_t>(pe)];
  const double threshold = overloadFactor_ * total / static_cast<double>(available.size());

  // Migratable objects of every PE ordered by (load, input index); the available
  // PEs ordered by (load, PE), all of them (receivers) and those that may still
  // give something (donors).
  using ByLoad = std::set<std::pair<double, std::size_t>>;
  std::vector<ByLoad> objectsOn(input.pes.size());
  std::size_t numMovable = 0;
  for (std::size_t i = 0; i < input.objects.size(); ++i) {
    if (!input.objects[i].migratable) continue;
    objectsOn[static_cast<std::size_t>(assignment[i])].emplace(input.objects[i].load, i);
    ++numMovable;
  }
  std::set<std::pair<double, int>> receivers, donors;
  for (int pe : available) {
    receivers.emplace(peLoad[static_cast<std::size_t>(pe)], pe);
    donors.emplace(peLoad[static_cast<std::size_t>(pe)], pe);
  }

  // Every move lowers the sum of squared PE loads, so the loop ends; the cap
  // only guards against a pathological number of tiny improvements.
  const std::size_t maxMoves = 8 * numMovable + input.pes.size();
  for (std::size_t moves = 0; moves < maxMoves && !donors.empty();) {
    // The heaviest donor (among equal loads the higher PE) and the lightest PE
    // (among equal loads the lower PE).
    const auto [d, donor] = *donors.rbegin();
    const auto [r, receiver] = *receivers.begin();
    if (d <= threshold || receiver == donor) break;

    // max(d - load, r + load) is smallest for the load nearest (d - r) / 2: the
    // best object is the lightest at or above that or the heaviest below it
    // (among equal loads the earlier object).
    ByLoad& candidates = objectsOn[static_cast<std::size_t>(donor)];
    const double half = (d - r) / 2;
    const auto above = candidates.lower_bound({half, 0});
    auto below = candidates.end();
    if (above != candidates.begin())
      below = candidates.lower_bound({std::prev(above)->first, 0});
    auto best = candidates.end();
    double bestMax = d - 1e-12 * d;  // must improve on d, by more than rounding
    for (auto it : {below, above}) {
      if (it == candidates.end()) continue;
      const double pairMax = std::max(d - it->first, r + it->first);
      if (pairMax < bestMax || (pairMax == bestMax && best != candidates.end() && it->second < best->second)) {
        bestMax = pairMax;
        best = it;
      }
    }
    if (best == candidates.end()) {  // nothing helps: this PE stays as it is
      donors.erase(std::prev(donors.end()));
      continue;
    }

    const auto [load, object] = *best;
    candidates.erase(best);
    objectsOn[static_cast<std::size_t>(receiver)].emplace(load, object);
    assignment[object] = receiver;
    receivers.erase({d, donor});
    receivers.erase({r, receiver});
    donors.erase({d, donor});
    const bool receiverIsDonor = donors.erase({r, receiver}) == 1;
    peLoad[static_cast<std::size_t>(donor)] = d - load;
    peLoad[static_cast<std::size_t>(receiver)] = r + load;
    receivers.emplace(d - load, donor);
    receivers.emplace(r + load, receiver);
    donors.emplace(d - load, donor);
    if (receiverIsDonor) donors.emplace(r + load, receiver);
    ++moves;
  }
  return assignment;
}

}  // namespace charm::lb
