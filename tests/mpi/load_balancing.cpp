// Load balancing from C++: an array created with createUsingAtSync whose elements
// keep state in pup(); after they all call AtSync(), the +balancer strategy runs
// and resumeFromSync() reaches every element on its new PE. Run with
// `+balancer RotateLB`: every element must have moved to the next PE with its
// state; with `+balancer DummyLB --expect-none`: none moved.
#include "check.h"

#include <algorithm>

namespace {

class Tile : public charm::ArrayElement<Tile> {
 public:
  Tile() = default;
  explicit Tile(int seed) : values_(static_cast<std::size_t>(thisIndex()[0] + 2), seed + thisIndex()[0]) {
    pes_.push_back(charm::myPe());
  }
  void work(charm::Future<void> done) {
    volatile double x = 0;  // a little unequal work, measured as load
    for (int i = 0; i < 20000 * (thisIndex()[0] % 3 + 1); ++i) x = x + i;
    contribute(done.callback());
  }
  void sync(charm::Future<std::vector<std::vector<int>>> where) {
    where_ = where;
    AtSync();
  }
  void resumeFromSync() override {
    pes_.push_back(charm::myPe());
    const bool intact = values_.size() == static_cast<std::size_t>(thisIndex()[0] + 2) &&
                        std::all_of(values_.begin(), values_.end(), [&](int v) { return v == 7 + thisIndex()[0]; });
    std::vector<int> row = pes_;
    row.push_back(intact ? 1 : 0);
    row.push_back(arrivals_);
    contribute(row, charm::reducer::gather, where_.callback());
  }
  void migrated() override { ++arrivals_; }
  void pup(charm::Pup& p) {
    p | values_;
    p | pes_;
    p | where_;
    p | arrivals_;
  }

 private:
  std::vector<int> values_;
  std::vector<int> pes_;
  charm::Future<std::vector<std::vector<int>>> where_;
  int arrivals_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string> args) {
    const bool expectNone = std::find(args.begin(), args.end(), "--expect-none") != args.end();
    const int n = charm::numPes();
    const int count = 3 * n + 1;
    auto tiles = charm::ArrayProxy<Tile>::createUsingAtSync({count}, 7);
    for (int step = 0; step < 2; ++step) {
      auto done = charm::Future<void>::make();
      tiles.broadcast<&Tile::work>(done);
      done.get();
      auto where = charm::Future<std::vector<std::vector<int>>>::make();
      tiles.broadcast<&Tile::sync>(where);
      const auto rows = where.get();
      CHARM_CHECK_EQ(rows.size(), static_cast<std::size_t>(count));
      for (const auto& row : rows) {
        // [PE at creation, PE after each step..., intact, arrivals]
        CHARM_CHECK_EQ(row.size(), static_cast<std::size_t>(step + 4));
        CHARM_CHECK_EQ(row[row.size() - 2], 1);
        const int before = row[static_cast<std::size_t>(step)];
        const int after = row[static_cast<std::size_t>(step + 1)];
        if (expectNone || n == 1) {
          CHARM_CHECK_EQ(after, before);
        } else {
          CHARM_CHECK_EQ(after, (before + 1) % n);
          CHARM_CHECK_EQ(row.back(), step + 1);  // migrated() on each arrival
        }
      }
    }
    std::printf("load balancing: %d PEs ok\n", n);
    charm::exit(0);
  });
}
