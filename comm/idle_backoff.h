// IdleBackoff: what a PE's scheduler does when it has nothing to run. It spins
// briefly (a reply usually arrives within microseconds), then yields the core,
// then sleeps for growing intervals, so that many PEs oversubscribed on few cores
// leave the CPU to the ones with work. Any activity resets it.
#pragma once

#include <cstdint>

namespace charm::comm {

class IdleBackoff {
 public:
  // Called once per empty scheduler pass.
  void idle();
  // Called whenever the scheduler did some work.
  void reset() noexcept { emptyPasses_ = 0; }

 private:
  std::uint32_t emptyPasses_ = 0;
};

}  // namespace charm::comm
