#include "lb/strategy_util.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

namespace charm::lb {

std::vector<int> availablePes(const LbInput& input) {
  std::vector<int> pes;
  for (const PeStats& pe : input.pes)
    if (pe.available) pes.push_back(pe.pe);
  return pes;
}

std::vector<double> fixedLoads(const LbInput& input) {
  const bool anyAvailable = !availablePes(input).empty();
  std::vector<double> loads(input.pes.size());
  for (std::size_t p = 0; p < input.pes.size(); ++p) loads[p] = input.pes[p].backgroundLoad;
  for (const ObjectStats& o : input.objects)
    if (!movable(o, anyAvailable)) loads[static_cast<std::size_t>(o.pe)] += o.load;
  return loads;
}

std::vector<std::size_t> heaviestFirst(const LbInput& input, std::vector<std::size_t> objects) {
  std::stable_sort(objects.begin(), objects.end(), [&](std::size_t a, std::size_t b) {
    return input.objects[a].load > input.objects[b].load;
  });
  return objects;
}

void placeHeaviestFirst(const LbInput& input, const std::vector<std::size_t>& objects,
                        std::vector<double>& peLoad, std::vector<int>& assignment) {
  // Min-heap of (load, pe): std::greater on pairs puts the least load on top, the
  // lower PE first among equal loads.
  using Entry = std::pair<double, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> leastLoaded;
  for (int pe : availablePes(input)) leastLoaded.emplace(peLoad[static_cast<std::size_t>(pe)], pe);
  if (leastLoaded.empty()) return;
  for (std::size_t i : heaviestFirst(input, objects)) {
    const int pe = leastLoaded.top().second;
    leastLoaded.pop();
    double& load = peLoad[static_cast<std::size_t>(pe)];
    load += input.objects[i].load;
    assignment[i] = pe;
    leastLoaded.emplace(load, pe);
  }
}

}  // namespace charm::lb
