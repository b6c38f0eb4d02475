// IdleBackoff: spin, then yield, then sleep for growing intervals.
//
// The phases are counted in empty scheduler passes (each pass polls the
// transport once). With one PE per core, the spin phase catches a reply within
// a fraction of a microsecond; with more PEs than cores, a PE with nothing to do
// soon gives its core away (sched_yield) and then sleeps, so busy PEs run at
// nearly full speed, while a sleeping PE still notices new work within the
// sleep cap.
#include "comm/idle_backoff.h"

#include <sched.h>
#include <time.h>

#include <algorithm>

namespace charm::comm {

namespace {

// 2000 passes of MpiTransport::poll + pause take ~0.3 ms (measured: ~140 ns a
// pass): long enough to catch a reply that is already on its way.
constexpr std::uint32_t kSpinPasses = 2000;
// Then give the core to any other runnable process at each pass. When nobody
// else wants the core, sched_yield returns at once (a pass then takes ~0.4 us),
// so this phase still polls often: a 1 MiB ping-pong (~0.3 ms round trip) stays
// out of the sleeps. When the machine is oversubscribed, it lets busy PEs run.
// ~2000 passes is about 1 ms uncontended.
constexpr std::uint32_t kYieldPasses = 2000;
// Then sleep, starting at 1 us and doubling each pass up to 128 us. (Linux adds
// its timer slack, ~50 us by default, to each sleep; the cap keeps the worst
// wake-up delay near 0.2 ms.)
constexpr long kFirstSleepNs = 1000;
constexpr int kMaxSleepDoublings = 7;

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#elif defined(__powerpc__) || defined(__powerpc64__)
  asm volatile("or 27,27,27" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace

void IdleBackoff::idle() {
  const std::uint32_t pass = emptyPasses_;
  if (emptyPasses_ != UINT32_MAX) ++emptyPasses_;

  if (pass < kSpinPasses) {
    cpuRelax();
    return;
  }
  if (pass < kSpinPasses + kYieldPasses) {
    sched_yield();
    return;
  }
  const std::uint32_t sleeps = pass - kSpinPasses - kYieldPasses;
  const int doublings = static_cast<int>(std::min<std::uint32_t>(sleeps, kMaxSleepDoublings));
  timespec interval{0, kFirstSleepNs << doublings};
  nanosleep(&interval, nullptr);
}

}  // namespace charm::comm
