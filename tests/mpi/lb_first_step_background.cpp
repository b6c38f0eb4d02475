// The first balancing step's loads are measured from the creation of the AtSync
// array, not from start-up: what a PE did before (here 300 ms of group work
// standing in for imports and set-up) is no background load of the balanced
// computation. Counted in, it made that PE look busy at the first step, and the
// balancer moved elements off it. The same holds for the elements' constructors
// (each spins too): set-up, not a load that recurs. A recording strategy keeps the background
// loads of the first step; each must stay well under the 300 ms. Run with
// `+balancer RecordingFirstStepLB`.
#include "check.h"
#include "lb/dummy_lb.h"
#include "lb/strategy_registry.h"

#include <algorithm>
#include <chrono>

namespace {

constexpr double kSetUpSeconds = 0.3;

double firstStepBackground = -1;  // seconds, the largest of the first step (PE 0)

class RecordingFirstStepLB : public charm::lb::Strategy {
 public:
  const char* name() const override { return "RecordingFirstStepLB"; }
  std::vector<int> assign(const charm::lb::LbInput& input) override {
    if (firstStepBackground < 0) {
      firstStepBackground = 0;
      for (const auto& pe : input.pes) firstStepBackground = std::max(firstStepBackground, pe.backgroundLoad);
    }
    return dummy_.assign(input);
  }

 private:
  charm::lb::DummyLB dummy_;
};

void spin(double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
  }
}

// Work that is no element's: it counts as its PE's background.
class SetUp : public charm::Group<SetUp> {
 public:
  void run(charm::Future<void> done) {
    spin(kSetUpSeconds);
    contribute(done.callback());
  }
};

class Worker : public charm::ArrayElement<Worker> {
 public:
  Worker() = default;
  // Constructing is set-up (a grid allocated and filled): not measured, and no background.
  explicit Worker(int) { spin(kSetUpSeconds / 2); }
  void step(charm::Future<void> done) {
    spin(0.02);
    done_ = done;
    AtSync();
  }
  void resumeFromSync() override { contribute(done_.callback()); }
  void pup(charm::Pup& p) { p | done_; }

 private:
  charm::Future<void> done_;
};

}  // namespace

CHARM_REGISTER_STRATEGY(RecordingFirstStepLB);

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    auto setUp = charm::GroupProxy<SetUp>::create();
    auto ready = charm::Future<void>::make();
    setUp.broadcast<&SetUp::run>(ready);
    ready.get();

    auto workers = charm::ArrayProxy<Worker>::createUsingAtSync({2 * charm::numPes()}, 0);
    auto done = charm::Future<void>::make();
    workers.broadcast<&Worker::step>(done);
    done.get();
    std::printf("lb first step: largest background %.1f ms (set-up before the array: %.0f ms)\n",
                firstStepBackground * 1e3, kSetUpSeconds * 1e3);
    CHARM_CHECK(firstStepBackground >= 0);
    CHARM_CHECK(firstStepBackground < kSetUpSeconds / 3);
    charm::exit(0);
  });
}
