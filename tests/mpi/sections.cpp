// Sections from C++: a section of an array (indices given out of order, so the
// section order is not the index order) and of a group; broadcasts reach exactly
// the members, once each; reductions over a section (sum, gather in section order,
// an empty one) with the section proxy travelling inside the broadcast; two
// sections with the same members reduce at the same time; a section of one
// element; a section of a group.
#include "check.h"

namespace {

using Section = charm::SectionProxy<class Cell>;

class Cell : public charm::ArrayElement<Cell> {
 public:
  void hit(int tag) { hits_ += tag; }
  int hits() const { return hits_; }
  void reduce(Section section, charm::Future<int> sum, charm::Future<std::vector<int>> order,
              charm::Future<void> barrier) {
    const int k = thisIndex()[0];
    contribute(k, charm::reducer::sum, sum.callback(), section.id());
    contribute(k, charm::reducer::gather, order.callback(), section.id());
    contribute(barrier.callback(), section.id());
  }
  void reduceTwo(Section a, Section b, charm::Future<int> fa, charm::Future<int> fb) {
    contribute(1, charm::reducer::sum, fa.callback(), a.id());
    contribute(10, charm::reducer::sum, fb.callback(), b.id());
  }

 private:
  int hits_ = 0;
};

class Node : public charm::Group<Node> {
 public:
  void count(charm::SectionProxy<Node> section, charm::Future<int> f) {
    contribute(thisIndex() + 1, charm::reducer::sum, f.callback(), section.id());
  }
  void hit(int tag) { hits_ += tag; }
  int hits() const { return hits_; }

 private:
  int hits_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    const int count = 3 * n + 2;
    auto cells = charm::ArrayProxy<Cell>::create({count});
    std::vector<charm::ArrayIndex> picked;
    for (int i = count - 1; i >= 0; i -= 2) picked.push_back(charm::ArrayIndex::of1d(i));
    auto odd = Section::create(cells, picked);
    CHARM_CHECK_EQ(odd.size(), picked.size());

    for (int round = 0; round < 3; ++round) odd.broadcast<&Cell::hit>(1);
    charm::waitQuiescence();
    for (int i = 0; i < count; ++i)
      CHARM_CHECK_EQ(cells[i].call<&Cell::hits>().get(), (count - 1 - i) % 2 == 0 ? 3 : 0);

    auto sum = charm::Future<int>::make();
    auto order = charm::Future<std::vector<int>>::make();
    auto barrier = charm::Future<void>::make();
    odd.broadcast<&Cell::reduce>(odd, sum, order, barrier);
    int expected = 0;
    std::vector<int> expectedOrder;
    for (const auto& index : picked) {
      expected += index[0];
      expectedOrder.push_back(index[0]);
    }
    CHARM_CHECK_EQ(sum.get(), expected);
    CHARM_CHECK(order.get() == expectedOrder);  // section order, not index order
    barrier.get();

    // Two sections with the same members (another order, another id) at once.
    auto again = Section::create(cells, std::vector<charm::ArrayIndex>(picked.rbegin(), picked.rend()));
    auto fa = charm::Future<int>::make();
    auto fb = charm::Future<int>::make();
    odd.broadcast<&Cell::reduceTwo>(odd, again, fa, fb);
    CHARM_CHECK_EQ(fa.get(), static_cast<int>(picked.size()));
    CHARM_CHECK_EQ(fb.get(), 10 * static_cast<int>(picked.size()));

    auto one = Section::create(cells, {charm::ArrayIndex::of1d(0)});
    auto s1 = charm::Future<int>::make();
    auto o1 = charm::Future<std::vector<int>>::make();
    auto b1 = charm::Future<void>::make();
    one.broadcast<&Cell::reduce>(one, s1, o1, b1);
    CHARM_CHECK_EQ(s1.get(), 0);

    auto nodes = charm::GroupProxy<Node>::create();
    std::vector<int> pes;
    for (int pe = n - 1; pe >= 0; pe -= 2) pes.push_back(pe);
    auto some = charm::SectionProxy<Node>::create(nodes, pes);
    auto total = charm::Future<int>::make();
    some.broadcast<&Node::count>(some, total);
    int want = 0;
    for (int pe : pes) want += pe + 1;
    CHARM_CHECK_EQ(total.get(), want);
    some.broadcast<&Node::hit>(5);
    charm::waitQuiescence();
    for (int pe = 0; pe < n; ++pe)
      CHARM_CHECK_EQ(nodes[pe].call<&Node::hits>().get(), (n - 1 - pe) % 2 == 0 ? 5 : 0);

    bool threw = false;
    try {
      Section::create(cells, {charm::ArrayIndex::of1d(count)});
    } catch (const std::out_of_range&) {
      threw = true;
    }
    CHARM_CHECK(threw);
    std::printf("sections: %d PEs ok\n", n);
    charm::exit(0);
  });
}
