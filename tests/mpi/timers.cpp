// Timers from C++: charm::sleep suspends only the calling fiber (the PE keeps
// running messages meanwhile, also for the sleeping chare) and lasts at least the
// time asked; charm::after runs callbacks in order of their due times; a negative
// delay is refused at the call.
#include "check.h"

#include <chrono>
#include <stdexcept>

namespace {
class Sleeper : public charm::Group<Sleeper> {
 public:
  // Runs on a fiber: sleeps in short naps until woken, and reports how many pokes
  // arrived meanwhile (they can only have been served while it slept).
  int nap(double seconds) {
    const int before = pokes_;
    while (!woken_) {
      const auto t0 = std::chrono::steady_clock::now();
      charm::sleep(seconds);
      const double slept = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (slept < seconds) charm::abort("charm::sleep returned early: " + std::to_string(slept) + " s");
    }
    return pokes_ - before;
  }
  void poke() { ++pokes_; }
  int pokes() const { return pokes_; }
  void wake() { woken_ = true; }
  std::vector<int> order() {
    auto done = charm::Future<void>::make();
    auto seen = std::make_shared<std::vector<int>>();
    for (int i : {3, 1, 2}) charm::after(0.01 * i, [seen, i] { seen->push_back(i); });
    charm::after(0.05, [done] { done.set(); });
    done.get();
    return *seen;
  }

 private:
  int pokes_ = 0;
  bool woken_ = false;
};
}  // namespace

template <>
inline constexpr bool charm::runs_on_fiber<&Sleeper::nap> = true;
template <>
inline constexpr bool charm::runs_on_fiber<&Sleeper::order> = true;

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    auto sleepers = charm::GroupProxy<Sleeper>::create();
    auto last = sleepers[n - 1];
    auto napped = last.call<&Sleeper::nap>(0.01);
    for (int i = 0; i < 5; ++i) last.invoke<&Sleeper::poke>();
    CHARM_CHECK_EQ(last.call<&Sleeper::pokes>().get(), 5);  // served while nap() sleeps
    last.invoke<&Sleeper::wake>();
    CHARM_CHECK_EQ(napped.get(), 5);
    CHARM_CHECK(last.call<&Sleeper::order>().get() == (std::vector<int>{1, 2, 3}));
    bool threw = false;
    try {
      charm::after(-1, [] {});
    } catch (const std::invalid_argument&) {
      threw = true;
    }
    CHARM_CHECK(threw);
    std::printf("timers: %d PEs ok\n", n);
    charm::exit(0);
  });
}
