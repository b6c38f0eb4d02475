#include "lb/greedy_lb.h"

#include "lb/strategy_util.h"

namespace charm::lb {

std::vector<int> GreedyLB::assign(const LbInput& input) {
  checkInput(input);
  std::vector<int> assignment = currentPlacement(input);
  if (availablePes(input).empty()) return assignment;  // nowhere to put anything

  std::vector<std::size_t> migratable;
  for (std::size_t i = 0; i < input.objects.size(); ++i)
    if (input.objects[i].migratable) migratable.push_back(i);
  std::vector<double> peLoad = fixedLoads(input);
  placeHeaviestFirst(input, migratable, peLoad, assignment);
  return assignment;
}

}  // namespace charm::lb
