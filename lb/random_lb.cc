#include "lb/random_lb.h"

#include <cstdint>
#include <random>

#include "lb/strategy_util.h"

namespace charm::lb {

namespace {

// Uniform in [0, n), n > 0: draws below 2^64 mod n are rejected so every residue
// is equally likely.
std::uint64_t uniformBelow(std::mt19937_64& engine, std::uint64_t n) {
  const std::uint64_t reject = (0 - n) % n;  // == 2^64 mod n
  while (true) {
    const std::uint64_t r = engine();
    if (r >= reject) return r % n;
  }
}

}  // namespace

std::vector<int> RandomLB::assign(const LbInput& input) {
  checkInput(input);
  std::vector<int> assignment = currentPlacement(input);
  const std::vector<int> available = availablePes(input);
  if (available.empty()) return assignment;

  std::mt19937_64 engine(input.seed);
  for (std::size_t i = 0; i < input.objects.size(); ++i) {
    if (!input.objects[i].migratable) continue;
    assignment[i] = available[static_cast<std::size_t>(uniformBelow(engine, available.size()))];
  }
  return assignment;
}

}  // namespace charm::lb
