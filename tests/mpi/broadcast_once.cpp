// Broadcasts reach every element exactly once, in the order they were made, on
// groups and on arrays whose size is not a multiple of the PE count (including
// arrays smaller than the PE count and n-d arrays); broadcasts may be sent from
// any PE, including from inside entry methods.
#include "check.h"

namespace {
class Counter : public charm::ArrayElement<Counter> {
 public:
  void hit(int number) { seen_.push_back(number); }
  void relay(int base, int times) {  // broadcasts from wherever this element lives
    for (int i = 0; i < times; ++i) thisProxy().broadcast<&Counter::hit>(base + i);
  }
  // Numbers below `split` came from main, the others from relay(): each source's
  // broadcasts arrive in the order it made them, and every one exactly once.
  void report(int split, charm::Future<std::vector<int>> out) {
    int lastMain = -1, lastRelay = split - 1;
    std::vector<int> count(seen_.size() + static_cast<std::size_t>(split) + 1, 0);
    for (int x : seen_) {
      int& last = x < split ? lastMain : lastRelay;
      CHARM_CHECK(x > last);
      last = x;
      CHARM_CHECK(x >= 0 && static_cast<std::size_t>(x) < count.size());
      CHARM_CHECK_EQ(++count[static_cast<std::size_t>(x)], 1);
    }
    contribute(static_cast<int>(seen_.size()), charm::reducer::gather, out.callback());
  }

 private:
  std::vector<int> seen_;
};

class GroupCounter : public charm::Group<GroupCounter> {
 public:
  void hit() { ++hits_; }
  void report(charm::Future<std::vector<int>> out) {
    contribute(hits_, charm::reducer::gather, out.callback());
  }

 private:
  int hits_ = 0;
};

void checkArray(const charm::ArrayIndex& dims, int fromMain, int relayed) {
  auto a = charm::ArrayProxy<Counter>::create(dims);
  for (int i = 0; i < fromMain; ++i) a.broadcast<&Counter::hit>(i);
  a[charm::delinearize(a.size() - 1, dims)].invoke<&Counter::relay>(fromMain, relayed);
  charm::waitQuiescence();
  auto hits = charm::Future<std::vector<int>>::make();
  a.broadcast<&Counter::report>(fromMain, hits);
  const auto all = hits.get();
  CHARM_CHECK_EQ(all.size(), a.size());
  for (int h : all) CHARM_CHECK_EQ(h, fromMain + relayed);
}
}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    checkArray({1}, 3, 2);
    checkArray({n + 1}, 10, 5);
    checkArray({3 * n + 2}, 7, 7);
    checkArray({3, 5}, 4, 4);
    checkArray({2, 1, 3}, 2, 3);

    auto g = charm::GroupProxy<GroupCounter>::create();
    for (int i = 0; i < 25; ++i) g.broadcast<&GroupCounter::hit>();
    charm::waitQuiescence();
    auto hits = charm::Future<std::vector<int>>::make();
    g.broadcast<&GroupCounter::report>(hits);
    const auto all = hits.get();
    CHARM_CHECK_EQ(all.size(), static_cast<std::size_t>(n));
    for (int h : all) CHARM_CHECK_EQ(h, 25);
    std::printf("broadcast_once: %d PEs ok\n", n);
    charm::exit(0);
  });
}
