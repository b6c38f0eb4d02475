// A balancing step's migrations are no load of the next period: loads are
// measured from the end of a step, so the PEs that unpacked migrated elements do
// not look busy ("background") at the next step. Every element carries 32 MB and
// moves at every step (RotateLB, wrapped to record the background loads the
// strategy is given); from the second step on, the largest background must be a
// small part of a step's wall time, most of which the migrations take. Run with
// `+balancer RecordingRotateLB`.
#include "check.h"
#include "lb/rotate_lb.h"
#include "lb/strategy_registry.h"

#include <algorithm>
#include <chrono>

namespace {

constexpr int kSteps = 4;
constexpr std::size_t kStateDoubles = std::size_t{4} << 20;  // 32 MB

double largestBackground = 0;  // seconds, on PE 0 (where strategies run), steps after the first

// The first step's period also holds the elements' construction, a background
// load of its own: only the later ones are recorded.
class RecordingRotateLB : public charm::lb::Strategy {
 public:
  const char* name() const override { return "RecordingRotateLB"; }
  std::vector<int> assign(const charm::lb::LbInput& input) override {
    if (steps_++ > 0)
      for (const auto& pe : input.pes) largestBackground = std::max(largestBackground, pe.backgroundLoad);
    return rotate_.assign(input);
  }

 private:
  int steps_ = 0;
  charm::lb::RotateLB rotate_;
};

class Heavy : public charm::ArrayElement<Heavy> {
 public:
  Heavy() = default;
  explicit Heavy(int) : state_(kStateDoubles, thisIndex()[0]) {}
  void sync(charm::Future<void> done) {
    done_ = done;
    AtSync();
  }
  void resumeFromSync() override { contribute(done_.callback()); }
  void pup(charm::Pup& p) {
    p | state_;
    p | done_;
  }

 private:
  std::vector<double> state_;
  charm::Future<void> done_;
};

}  // namespace

CHARM_REGISTER_STRATEGY(RecordingRotateLB);

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    auto heavies = charm::ArrayProxy<Heavy>::createUsingAtSync({charm::numPes()}, 0);
    double shortestStep = 1e9;
    for (int step = 0; step < kSteps; ++step) {
      auto done = charm::Future<void>::make();
      const auto start = std::chrono::steady_clock::now();
      heavies.broadcast<&Heavy::sync>(done);
      done.get();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (step > 0) shortestStep = std::min(shortestStep, seconds);
    }
    std::printf("lb background: largest %.2f ms, shortest step %.2f ms\n", largestBackground * 1e3,
                shortestStep * 1e3);
    if (charm::numPes() > 1) CHARM_CHECK(largestBackground < 0.25 * shortestStep);
    charm::exit(0);
  });
}
