// Migration storm in C++: every round, a broadcast reaches every element; each
// element pings random others, contributes to a reduction (sum, and a gather in
// index order), contributes to an allreduce delivered to every element, and then
// moves to a random PE. Checks: every broadcast reaches every element once and
// in order, every ping is delivered exactly once, every reduction and allreduce
// is right while elements move, state packed with pup() survives each move, and
// migrated() runs on every arrival. Also: moving to the same PE is a no-op, a
// group element refuses to move, a bad PE is refused at the call.
#include "check.h"
#include "runtime/runtime.h"

#include <random>
#include <stdexcept>

namespace {

constexpr int kRounds = 12;
constexpr int kPingsPerStep = 3;

class Walker : public charm::ArrayElement<Walker> {
 public:
  Walker() = default;  // migration constructor; pup() fills the rest
  explicit Walker(int scale) : scale_(scale), data_(static_cast<std::size_t>(thisIndex()[0] + 1), thisIndex()[0]) {}

  void step(int round, charm::Future<long> sum, charm::Future<std::vector<int>> order) {
    seen_.push_back(round);
    std::mt19937 rng(static_cast<unsigned>(round * 7919 + thisIndex()[0]));
    const int n = static_cast<int>(thisProxy().size());
    for (int i = 0; i < kPingsPerStep; ++i) {
      thisProxy()[static_cast<int>(rng() % static_cast<unsigned>(n))].invoke<&Walker::ping>(thisIndex()[0]);
      ++pingsSent_;
    }
    contribute(static_cast<long>(thisIndex()[0]) * scale_ + round, charm::reducer::sum, sum.callback());
    contribute(thisIndex()[0], charm::reducer::gather, order.callback());
    contribute(1, charm::reducer::sum, thisProxy().allreduceCallback<&Walker::allreduced>());
    const int to = static_cast<int>(rng() % static_cast<unsigned>(charm::numPes()));
    if (to != charm::myPe()) ++moves_;
    migrateMe(to);
  }
  void ping(int from) {
    (void)from;
    ++pingsReceived_;
  }
  void allreduced(int total) {
    if (total != static_cast<int>(thisProxy().size())) charm::abort("allreduce under migration: " + std::to_string(total));
    ++allreduces_;
  }
  void migrated() override { ++arrivals_; }

  // [pings sent, pings received, rounds seen in order (1/0), state intact (1/0),
  //  moves == arrivals (1/0), allreduces received]
  void report(charm::Future<std::vector<long>> f) {
    bool inOrder = static_cast<int>(seen_.size()) == kRounds;
    for (int r = 0; inOrder && r < kRounds; ++r) inOrder = seen_[static_cast<std::size_t>(r)] == r;
    bool intact = data_.size() == static_cast<std::size_t>(thisIndex()[0] + 1);
    for (int v : data_) intact = intact && v == thisIndex()[0];
    contribute(std::vector<long>{pingsSent_, pingsReceived_, inOrder ? 1 : 0, intact ? 1 : 0,
                                 moves_ == arrivals_ ? 1 : 0, allreduces_},
               charm::reducer::sum, f.callback());
  }

  void pup(charm::Pup& p) {
    p | scale_;
    p | data_;
    p | seen_;
    p | pingsSent_;
    p | pingsReceived_;
    p | moves_;
    p | arrivals_;
    p | allreduces_;
  }

 private:
  int scale_ = 0;
  std::vector<int> data_;
  std::vector<int> seen_;
  long pingsSent_ = 0;
  long pingsReceived_ = 0;
  long moves_ = 0;
  long arrivals_ = 0;
  long allreduces_ = 0;
};

class Pinned : public charm::Group<Pinned> {
 public:
  void tryMove(charm::Future<int> f) {
    try {
      charm::Runtime::current().locations().requestMigration(collectionId(), chareIndex(),
                                                             (charm::myPe() + 1) % charm::numPes());
      f.set(0);
    } catch (const std::invalid_argument&) {
      f.set(1);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    const int count = 4 * n + 1;
    const int scale = 3;
    auto walkers = charm::ArrayProxy<Walker>::create({count}, scale);
    long indexSum = 0;
    for (int i = 0; i < count; ++i) indexSum += i;
    for (int round = 0; round < kRounds; ++round) {
      auto sum = charm::Future<long>::make();
      auto order = charm::Future<std::vector<int>>::make();
      walkers.broadcast<&Walker::step>(round, sum, order);
      CHARM_CHECK_EQ(sum.get(), indexSum * scale + static_cast<long>(round) * count);
      const auto o = order.get();
      CHARM_CHECK_EQ(o.size(), static_cast<std::size_t>(count));
      for (int i = 0; i < count; ++i) CHARM_CHECK_EQ(o[static_cast<std::size_t>(i)], i);
    }
    charm::waitQuiescence();  // every ping delivered, every element settled
    auto totals = charm::Future<std::vector<long>>::make();
    walkers.broadcast<&Walker::report>(totals);
    const auto t = totals.get();
    CHARM_CHECK_EQ(t[0], static_cast<long>(count) * kRounds * kPingsPerStep);
    CHARM_CHECK_EQ(t[1], t[0]);                       // each ping exactly once
    CHARM_CHECK_EQ(t[2], static_cast<long>(count));   // broadcasts in order, none lost or doubled
    CHARM_CHECK_EQ(t[3], static_cast<long>(count));   // state moved with pup()
    CHARM_CHECK_EQ(t[4], static_cast<long>(count));   // migrated() on each arrival
    CHARM_CHECK_EQ(t[5], static_cast<long>(count) * kRounds);

    auto pinned = charm::GroupProxy<Pinned>::create();
    auto refused = charm::Future<int>::make();
    pinned[n - 1].invoke<&Pinned::tryMove>(refused);
    CHARM_CHECK_EQ(refused.get(), 1);
    bool threw = false;
    try {
      charm::Runtime::current().locations().requestMigration(walkers.id(), charm::ArrayIndex::of1d(0), n);
    } catch (const std::out_of_range&) {
      threw = true;
    }
    CHARM_CHECK(threw);
    std::printf("migration: %d PEs ok\n", n);
    charm::exit(0);
  });
}
