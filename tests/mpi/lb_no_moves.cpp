// Balancing steps in which nothing moves end on PE 0 right after the plan (no
// broadcast of an empty plan, no reduction confirming it). Steps that move and
// steps that do not are mixed here: the strategy rotates every element to the
// next PE at steps 2, 5 and 6 only (AlternatingRotateLB, run by `+balancer
// AlternatingRotateLB`), so some steps without moves follow one with moves, and
// two with moves follow each other. After every step each element must get
// resumeFromSync() exactly once, on the PE the plan gave it, with its state;
// migrated() runs once per move; and between steps an element may still move on
// its own (migrate()), which the next step sees.
#include "check.h"
#include "lb/rotate_lb.h"
#include "lb/strategy_registry.h"

#include <algorithm>
#include <utility>

namespace {

constexpr int kSteps = 7;

bool movesAt(int step) { return step == 2 || step == 5 || step == 6; }

class AlternatingRotateLB : public charm::lb::Strategy {
 public:
  const char* name() const override { return "AlternatingRotateLB"; }
  std::vector<int> assign(const charm::lb::LbInput& input) override {
    if (movesAt(step_++)) return rotate_.assign(input);
    std::vector<int> stay;
    for (const auto& o : input.objects) stay.push_back(o.pe);
    return stay;
  }

 private:
  int step_ = 0;
  charm::lb::RotateLB rotate_;
};

class Cell : public charm::ArrayElement<Cell> {
 public:
  Cell() = default;
  explicit Cell(int seed) : values_(static_cast<std::size_t>(thisIndex()[0] + 3), seed + thisIndex()[0]) {}
  void sync(charm::Future<std::vector<std::vector<int>>> where) {
    where_ = where;
    pesBefore_ = charm::myPe();
    AtSync();
  }
  void resumeFromSync() override {
    ++resumes_;
    const bool intact = values_.size() == static_cast<std::size_t>(thisIndex()[0] + 3) &&
                        std::all_of(values_.begin(), values_.end(), [&](int v) { return v == 5 + thisIndex()[0]; });
    // [index, PE at AtSync, PE now, intact, resumes so far, arrivals so far]
    contribute(std::vector<int>{thisIndex()[0], pesBefore_, charm::myPe(), intact ? 1 : 0, resumes_, arrivals_},
               charm::reducer::gather, where_.callback());
  }
  // Between steps: moves on its own to `pe`, then tells `done`.
  void hop(int pe, charm::Future<void> done) {
    if (pe == charm::myPe()) {
      done.set();
      return;
    }
    done_ = done;
    migrateMe(pe);
  }
  void migrated() override {
    ++arrivals_;
    if (done_.valid()) std::exchange(done_, charm::Future<void>()).set();
  }
  void pup(charm::Pup& p) {
    p | values_;
    p | where_;
    p | done_;
    p | pesBefore_;
    p | resumes_;
    p | arrivals_;
  }

 private:
  std::vector<int> values_;
  charm::Future<std::vector<std::vector<int>>> where_;
  charm::Future<void> done_;
  int pesBefore_ = -1;
  int resumes_ = 0;
  int arrivals_ = 0;
};

}  // namespace

CHARM_REGISTER_STRATEGY(AlternatingRotateLB);

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    const int count = 2 * n + 1;
    auto cells = charm::ArrayProxy<Cell>::createUsingAtSync({count}, 5);
    int expectedArrivals = 0;
    for (int step = 0; step < kSteps; ++step) {
      auto where = charm::Future<std::vector<std::vector<int>>>::make();
      cells.broadcast<&Cell::sync>(where);
      const auto rows = where.get();
      CHARM_CHECK_EQ(rows.size(), static_cast<std::size_t>(count));
      const bool moved = movesAt(step) && n > 1;
      if (moved) ++expectedArrivals;
      for (const auto& row : rows) {
        CHARM_CHECK_EQ(row.size(), std::size_t{6});
        CHARM_CHECK_EQ(row[2], moved ? (row[1] + 1) % n : row[1]);
        CHARM_CHECK_EQ(row[3], 1);
        CHARM_CHECK_EQ(row[4], step + 1);  // one resumeFromSync per step
      }
      // Element 0 moves on its own after step 3 (a step without moves follows).
      if (step == 3 && n > 1) {
        int pe = 0;
        for (const auto& row : rows)
          if (row[0] == 0) pe = row[2];
        auto done = charm::Future<void>::make();
        cells[{0}].invoke<&Cell::hop>((pe + 1) % n, done);
        done.get();
      }
      for (const auto& row : rows) {
        const int own = (row[0] == 0 && n > 1 && step > 3) ? 1 : 0;
        CHARM_CHECK_EQ(row[5], expectedArrivals + own);
      }
    }
    std::printf("lb no moves: %d PEs ok\n", n);
    charm::exit(0);
  });
}
