// Sparse arrays in C++: an empty array filled by insert() from every PE (on the
// element's home and on a PE named by the caller), closed by doneInserting().
// Checks: messages sent right after insert() (before the element exists) arrive
// exactly once; contributions made in constructors, before doneInserting, wait
// and then complete with exactly the inserted elements; broadcasts, sum and gather
// reductions (gather in index order) and allreduces cover exactly the inserted
// elements, also while they migrate; an element inserted after an earlier
// broadcast does not wait for it; a 2-d sparse array; bad input fails at the call.
#include "check.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace {

constexpr int kPerPe = 5;
constexpr int kRounds = 4;

class Cell : public charm::ArrayElement<Cell> {
 public:
  Cell() = default;  // migration constructor; pup() fills the rest
  Cell(int tag, charm::Future<long> early) : tag_(tag) {
    CHARM_CHECK_EQ(tag_, thisIndex()[0] * 3);
    // Before doneInserting: must wait until the array's size is known.
    contribute(static_cast<long>(tag_), charm::reducer::sum, early.callback());
  }

  void ping(int from) {
    (void)from;
    ++pings_;
  }
  void old(int) { ++oldSeen_; }
  void step(int round, charm::Future<long> sum, charm::Future<std::vector<int>> order) {
    seen_.push_back(round);
    contribute(static_cast<long>(tag_) + round, charm::reducer::sum, sum.callback());
    contribute(thisIndex()[0], charm::reducer::gather, order.callback());
    contribute(1, charm::reducer::sum, thisProxy().allreduceCallback<&Cell::allreduced>());
    std::mt19937 rng(static_cast<unsigned>(round * 7919 + thisIndex()[0]));
    migrateMe(static_cast<int>(rng() % static_cast<unsigned>(charm::numPes())));
  }
  void allreduced(int total) {
    total_ = total;
    ++allreduces_;
  }
  // [pings, rounds seen in order (1/0), allreduces, last allreduce total]
  void report(charm::Future<std::vector<long>> f) {
    bool inOrder = static_cast<int>(seen_.size()) == kRounds;
    for (int r = 0; inOrder && r < kRounds; ++r) inOrder = seen_[static_cast<std::size_t>(r)] == r;
    contribute(std::vector<long>{pings_, inOrder ? 1 : 0, allreduces_, total_}, charm::reducer::sum, f.callback());
  }

  void pup(charm::Pup& p) {
    p | tag_;
    p | pings_;
    p | seen_;
    p | allreduces_;
    p | total_;
    p | oldSeen_;
  }

 private:
  int tag_ = 0;
  long pings_ = 0;
  std::vector<int> seen_;
  long allreduces_ = 0;
  long total_ = 0;
  long oldSeen_ = 0;
};

// One per PE: inserts this PE's share, some on their home, some on the next PE,
// and pings each right away.
class Inserter : public charm::Group<Inserter> {
 public:
  void fill(charm::ArrayProxy<Cell> cells, charm::Future<long> early, charm::Future<int> done) {
    const int n = charm::numPes();
    for (int k = 0; k < kPerPe; ++k) {
      const int index = charm::myPe() * 1000 + k * 7;
      cells.insert({index}, k % 2 ? (charm::myPe() + 1) % n : -1, index * 3, early);
      cells[index].invoke<&Cell::ping>(charm::myPe());
      cells[index].invoke<&Cell::ping>(charm::myPe());
    }
    contribute(1, charm::reducer::sum, done.callback());
  }
};

class Tile : public charm::ArrayElement<Tile> {
 public:
  Tile() = default;
  void where(charm::Future<std::vector<int>> f) {
    contribute(thisIndex()[0] * 100 + thisIndex()[1], charm::reducer::gather, f.callback());
  }
  void pup(charm::Pup&) {}
};

template <class E, class F>
bool throws(F&& f) {
  try {
    f();
  } catch (const E&) {
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    auto cells = charm::ArrayProxy<Cell>::createSparse(1);
    CHARM_CHECK(cells.sparse());
    auto early = charm::Future<long>::make();

    // A broadcast before any insertion: later elements must not wait for it.
    cells.broadcast<&Cell::old>(0);

    auto inserters = charm::GroupProxy<Inserter>::create();
    auto filled = charm::Future<int>::make();
    inserters.broadcast<&Inserter::fill>(cells, early, filled);
    CHARM_CHECK_EQ(filled.get(), n);
    // From here too, on the last PE, pinged before it exists.
    cells.insert({-5}, n - 1, -15, early);
    cells[-5].invoke<&Cell::ping>(0);
    cells[-5].invoke<&Cell::ping>(0);

    std::vector<int> indices{-5};
    for (int pe = 0; pe < n; ++pe)
      for (int k = 0; k < kPerPe; ++k) indices.push_back(pe * 1000 + k * 7);
    std::sort(indices.begin(), indices.end());
    const long count = static_cast<long>(indices.size());
    long tagSum = 0;
    for (int i : indices) tagSum += 3L * i;

    charm::waitQuiescence();  // every element exists and has contributed
    CHARM_CHECK(!early.ready());  // ... and the reduction waits for doneInserting
    cells.doneInserting();
    CHARM_CHECK_EQ(early.get(), tagSum);

    for (int round = 0; round < kRounds; ++round) {
      auto sum = charm::Future<long>::make();
      auto order = charm::Future<std::vector<int>>::make();
      cells.broadcast<&Cell::step>(round, sum, order);
      CHARM_CHECK_EQ(sum.get(), tagSum + round * count);
      CHARM_CHECK(order.get() == indices);
    }
    charm::waitQuiescence();
    auto totals = charm::Future<std::vector<long>>::make();
    cells.broadcast<&Cell::report>(totals);
    const auto t = totals.get();
    CHARM_CHECK_EQ(t[0], 2 * count);            // each ping exactly once
    CHARM_CHECK_EQ(t[1], count);                // every step broadcast, in order
    CHARM_CHECK_EQ(t[2], count * kRounds);      // every allreduce
    CHARM_CHECK_EQ(t[3], count * count);        // each saw the whole count

    // Bad input fails at the call.
    CHARM_CHECK(throws<std::invalid_argument>([&] { cells.insert({-5}, -1, 0, early); }));
    CHARM_CHECK(throws<std::invalid_argument>([&] { cells.insert({1, 2}, -1, 0, early); }));
    CHARM_CHECK(throws<std::out_of_range>([&] { cells.insert({77}, n, 0, early); }));
    CHARM_CHECK(throws<std::logic_error>([&] { cells.insert({78}, -1, 0, early); }));  // after doneInserting
    CHARM_CHECK(throws<std::invalid_argument>([&] { (void)cells[charm::ArrayIndex{1, 2}]; }));
    auto dense = charm::ArrayProxy<Tile>::create({2, 2});
    CHARM_CHECK(throws<std::invalid_argument>([&] { dense.insert({0, 0}, -1); }));

    // 2-d, insertion on every PE round robin, doneInserting right away: the
    // gather waits for the count and sees exactly the inserted tiles.
    auto tiles = charm::ArrayProxy<Tile>::createSparse(2);
    std::vector<int> expected;
    for (int i = 0; i < 3; ++i)
      for (int j = i; j < 4; ++j) {
        tiles.insert({i, j}, (i + j) % n);
        expected.push_back(i * 100 + j);
      }
    tiles.doneInserting();
    auto where = charm::Future<std::vector<int>>::make();
    tiles.broadcast<&Tile::where>(where);
    CHARM_CHECK(where.get() == expected);

    std::printf("sparse_arrays: %d PEs ok\n", n);
    charm::exit(0);
  });
}
