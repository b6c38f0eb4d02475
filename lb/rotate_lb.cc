#include "lb/rotate_lb.h"

#include "lb/strategy_util.h"

namespace charm::lb {

std::vector<int> RotateLB::assign(const LbInput& input) {
  checkInput(input);
  std::vector<int> assignment = currentPlacement(input);
  const int numPes = static_cast<int>(input.pes.size());
  const std::vector<int> available = availablePes(input);
  if (available.empty()) return assignment;

  // nextAvailable[p]: the first available PE after p, cyclically (p itself when
  // it is the only one). One backward sweep, starting from the wrap-around value.
  std::vector<int> nextAvailable(static_cast<std::size_t>(numPes));
  int next = available.front();
  for (int p = numPes - 1; p >= 0; --p) {
    nextAvailable[static_cast<std::size_t>(p)] = next;
    if (input.pes[static_cast<std::size_t>(p)].available) next = p;
  }
  for (std::size_t i = 0; i < input.objects.size(); ++i) {
    const ObjectStats& o = input.objects[i];
    if (o.migratable) assignment[i] = nextAvailable[static_cast<std::size_t>(o.pe)];
  }
  return assignment;
}

}  // namespace charm::lb
