// Allreduce (Callback::toAllElements, AllReduceManager) over in-process PEs: every
// element gets the exact result, for 1 to 9 PEs, arrays smaller and larger than
// the PE count, scalars and vectors large enough to travel as external tails,
// several allreduces in flight, the same bits on every PE, and a refused
// contribution that leaves the element's next reduction intact.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "in_process_job.h"
#include "runtime/allreduce_manager.h"
#include "runtime/chare_internals.h"
#include "charm.h"

namespace {

// Bigger than AllReduceManager::kZeroCopyBytes, so partials go as external tails.
constexpr int kLongVector = 5000;
static_assert(kLongVector * sizeof(double) > charm::AllReduceManager::kZeroCopyBytes);

struct Checks {
  charm::Future<int> good;       // sum over elements of "every result was right"
  charm::Future<int> zeroSignMin, zeroSignMax;  // the sign bit every element saw
  void pup(charm::Pup& p) { p | good | zeroSignMin | zeroSignMax; }
};

template <class Self>
class Allreducer {
 public:
  // Four allreduces back to back, all in flight together.
  void start(Self& self, int k, int n, const Checks& checks) {
    checks_ = checks;
    k_ = k;
    n_ = n;
    auto all = self.thisProxy();
    if (k == 0) {  // a wrong contribution is refused and does not use up the number
      self.contribute(std::vector<int>{1, 2}, charm::reducer::gather,
                      all.template allreduceCallback<&Self::gotSum>(), refusedGather_);
    }
    self.contribute(k + 1, charm::reducer::sum, all.template allreduceCallback<&Self::gotSum>());
    std::vector<double> v(kLongVector);
    for (int i = 0; i < kLongVector; ++i) v[static_cast<std::size_t>(i)] = 0.5 * k + i;
    self.contribute(v, charm::reducer::sum, all.template allreduceCallback<&Self::gotVector>());
    self.contribute(k % 2 ? -0.0 : 0.0, charm::reducer::min,
                    all.template allreduceCallback<&Self::gotZero>());
    self.contribute(all.template allreduceCallback<&Self::gotNothing>());
  }
  void gotSum(Self&, int s) {
    good_ = good_ && s == n_ * (n_ + 1) / 2 && order_ == 0;
    order_ = 1;
  }
  void gotVector(Self&, const std::vector<double>& v) {
    bool ok = v.size() == kLongVector && order_ == 1;
    for (int i = 0; ok && i < kLongVector; ++i)
      ok = v[static_cast<std::size_t>(i)] == 0.25 * (n_ - 1) * n_ + 1.0 * i * n_;
    good_ = good_ && ok;
    order_ = 2;
  }
  void gotZero(Self&, double z) {
    good_ = good_ && z == 0.0 && order_ == 2;
    zeroSign_ = std::signbit(z) ? 1 : 0;
    order_ = 3;
  }
  void gotNothing(Self& self) {
    good_ = good_ && order_ == 3 && (k_ != 0 || refusedGather_);
    self.contribute(good_ ? 1 : 0, charm::reducer::sum, checks_.good.callback());
    self.contribute(zeroSign_, charm::reducer::min, checks_.zeroSignMin.callback());
    self.contribute(zeroSign_, charm::reducer::max, checks_.zeroSignMax.callback());
  }

 private:
  Checks checks_;
  int k_ = 0, n_ = 0, order_ = 0, zeroSign_ = -1;
  bool good_ = true;
  bool refusedGather_ = false;
};

// contribute() that records whether it was refused with std::invalid_argument.
#define CONTRIBUTE_OR_REFUSE(Base)                                                   \
  using Base::contribute;                                                            \
  template <class V>                                                                 \
  void contribute(const V& v, charm::ReducerKind r, const charm::Callback& cb, bool& refused) { \
    try {                                                                            \
      Base::contribute(v, r, cb);                                                    \
    } catch (const std::invalid_argument&) {                                         \
      refused = true;                                                                \
    }                                                                                \
  }

class ArrayAll : public charm::ArrayElement<ArrayAll> {
 public:
  CONTRIBUTE_OR_REFUSE(charm::ArrayElement<ArrayAll>)
  void go(Checks c) {
    logic_.start(*this, thisIndex()[0], static_cast<int>(charm::elementCount(thisProxy().dims())), c);
  }
  void gotSum(int s) { logic_.gotSum(*this, s); }
  void gotVector(std::vector<double> v) { logic_.gotVector(*this, v); }
  void gotZero(double z) { logic_.gotZero(*this, z); }
  void gotNothing() { logic_.gotNothing(*this); }
  void tryOther(charm::CollectionId other, charm::Future<int> refused) {
    bool wasRefused = false;
    contribute(1, charm::reducer::sum,
               charm::Callback::toAllElements(other, charm::Entry<&ArrayAll::gotSum>::id()), wasRefused);
    contribute(wasRefused ? 1 : 0, charm::reducer::sum, refused.callback());
  }

 private:
  Allreducer<ArrayAll> logic_;
};

class GroupAll : public charm::Group<GroupAll> {
 public:
  CONTRIBUTE_OR_REFUSE(charm::Group<GroupAll>)
  void go(Checks c) { logic_.start(*this, thisIndex(), charm::numPes(), c); }
  void gotSum(int s) { logic_.gotSum(*this, s); }
  void gotVector(std::vector<double> v) { logic_.gotVector(*this, v); }
  void gotZero(double z) { logic_.gotZero(*this, z); }
  void gotNothing() { logic_.gotNothing(*this); }

 private:
  Allreducer<GroupAll> logic_;
};

}  // namespace

TEST_CASE("an allreduce gives every element of an array or group the exact result, on 1 to 9 PEs",
          "[allreduce]") {
  for (int n = 1; n <= 9; ++n) {
    INFO("PEs: " << n);
    std::atomic<int> arraysChecked{0};
    const auto codes = runInProcessJob(n, [&] {
      for (int size : {1, n - 1, n, 3 * n + 1}) {  // fewer elements than PEs too
        if (size < 1) continue;
        auto array = charm::ArrayProxy<ArrayAll>::create({size});
        Checks c{charm::Future<int>::make(), charm::Future<int>::make(), charm::Future<int>::make()};
        array.broadcast<&ArrayAll::go>(c);
        CHECK(c.good.get() == size);
        CHECK(c.zeroSignMin.get() == c.zeroSignMax.get());
        ++arraysChecked;
      }
      auto group = charm::GroupProxy<GroupAll>::create();
      Checks c{charm::Future<int>::make(), charm::Future<int>::make(), charm::Future<int>::make()};
      group.broadcast<&GroupAll::go>(c);
      CHECK(c.good.get() == n);
      CHECK(c.zeroSignMin.get() == c.zeroSignMax.get());
      charm::exit(0);
    });
    CHECK(arraysChecked == (n == 1 ? 3 : 4));
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 0));
  }
}

TEST_CASE("an allreduce callback must name the contributing collection", "[allreduce]") {
  std::atomic<int> refused{-1};
  runInProcessJob(2, [&] {
    auto a = charm::ArrayProxy<ArrayAll>::create({4});
    auto b = charm::ArrayProxy<ArrayAll>::create({4});
    auto result = charm::Future<int>::make();
    a.broadcast<&ArrayAll::tryOther>(b.id(), result);
    refused = result.get();
    charm::exit(0);
  });
  CHECK(refused == 4);  // every element was refused, with std::invalid_argument
}

namespace {

// Markers (ChareInternals::contributeAllReduceMarker): an element whose data goes up
// the tree stands in the allreduce with a marker under the same number.
class Marked : public charm::ArrayElement<Marked> {
 public:
  void go(charm::Future<int> viaTree, charm::Future<int> checks) {
    checks_ = checks;
    auto all = thisProxy();
    charm::ChareInternals::contributeAllReduceMarker(*this, "data combined elsewhere",
                                                     all.allreduceCallback<&Marked::never>());
    contribute(thisIndex()[0], charm::reducer::sum, viaTree.callback());  // the data: same number
    contribute(1, charm::reducer::sum, all.allreduceCallback<&Marked::got>());  // the next number
  }
  void never() { ++nevers_; }  // markers alone deliver nothing
  void got(int count) {
    const bool ok = count == static_cast<int>(charm::elementCount(thisProxy().dims())) && nevers_ == 0;
    contribute(ok ? 1 : 0, charm::reducer::sum, checks_.callback());
  }
  // Elements 0 and 1 on one PE: a marker, then numbers to the same allreduce.
  void mix(charm::Future<int> refused) {
    auto all = thisProxy();
    bool wasRefused = false;
    try {
      if (thisIndex()[0] == 0)
        charm::ChareInternals::contributeAllReduceMarker(*this, "a Fraction", all.allreduceCallback<&Marked::got>());
      else
        contribute(1, charm::reducer::sum, all.allreduceCallback<&Marked::got>());
    } catch (const std::invalid_argument& e) {
      wasRefused = std::string(e.what()).find("a Fraction") != std::string::npos;
    }
    contribute(wasRefused ? 1 : 0, charm::reducer::sum, refused.callback());
  }

 private:
  charm::Future<int> checks_;
  int nevers_ = 0;
};

}  // namespace

TEST_CASE("allreduce markers agree with each other, keep the number, and refuse numbers",
          "[allreduce]") {
  for (int n = 1; n <= 5; ++n) {
    INFO("PEs: " << n);
    std::atomic<int> viaTree{-1}, good{-1}, refused{-1};
    runInProcessJob(n, [&] {
      const int size = 2 * n + 1;
      auto array = charm::ArrayProxy<Marked>::create({size});
      auto tree = charm::Future<int>::make();
      auto checks = charm::Future<int>::make();
      array.broadcast<&Marked::go>(tree, checks);
      viaTree = tree.get();
      good = checks.get();
      if (n == 1) {  // both elements on the one PE: the second one is refused
        auto pair = charm::ArrayProxy<Marked>::create({2});
        auto r = charm::Future<int>::make();
        pair.broadcast<&Marked::mix>(r);
        refused = r.get();
      }
      charm::exit(0);
    });
    CHECK(viaTree == n * (2 * n + 1));
    CHECK(good == 2 * n + 1);
    if (n == 1) CHECK(refused == 1);
  }
}
