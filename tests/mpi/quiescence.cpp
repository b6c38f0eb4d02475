// Quiescence detection fires only after all work is done: chains of messages hop
// between random elements (with fan-out), and when QD fires every hop must have
// been counted. Also QD delivered to an entry method, and QD when idle.
#include "check.h"

#include <random>

namespace {
constexpr int kChains = 40;
constexpr int kLength = 60;

class Hopper : public charm::ArrayElement<Hopper> {
 public:
  void hop(int remaining, unsigned seed) {
    ++hops_;
    if (remaining == 0) return;
    std::mt19937 rng(seed);
    const int next = static_cast<int>(rng() % thisProxy().size());
    thisProxy()[next].invoke<&Hopper::hop>(remaining - 1, static_cast<unsigned>(rng()));
    if (remaining % 10 == 0) {  // fan out: an extra short chain
      thisProxy()[static_cast<int>(rng() % thisProxy().size())].invoke<&Hopper::hop>(2, seed + 1);
    }
  }
  void count(charm::Future<long> total) { contribute(hops_, charm::reducer::sum, total.callback()); }

 private:
  long hops_ = 0;
};

class Observer : public charm::Chare<Observer> {
 public:
  explicit Observer(charm::Future<int> done) : done_(done) {}
  void quiet() { done_.set(charm::myPe()); }

 private:
  charm::Future<int> done_;
};
}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    auto h = charm::ArrayProxy<Hopper>::create({4 * n + 3});
    long expected = 0;
    for (int round = 0; round < 3; ++round) {
      for (int c = 0; c < kChains; ++c) h[c % static_cast<int>(h.size())].invoke<&Hopper::hop>(kLength, static_cast<unsigned>(c * 7919 + round));
      expected += kChains * (kLength + 1 + 3 * (kLength / 10));
      charm::waitQuiescence();
      auto total = charm::Future<long>::make();
      h.broadcast<&Hopper::count>(total);
      CHARM_CHECK_EQ(total.get(), expected);
    }
    // QD with nothing going on, delivered to an entry method of a chare on the last PE.
    auto done = charm::Future<int>::make();
    auto obs = charm::ChareProxy<Observer>::createOn(n - 1, done);
    charm::startQuiescence(obs.callback<&Observer::quiet>());
    CHARM_CHECK_EQ(done.get(), n - 1);
    std::printf("quiescence: %d PEs ok\n", n);
    charm::exit(0);
  });
}
