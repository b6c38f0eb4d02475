// Every built-in reducer on a group and on arrays whose size is not a multiple of
// the PE count (1-d and 3-d), with scalars and vectors, many reductions in flight
// at once, and each kind of callback: a future, one element's entry method, and a
// broadcast to the whole collection. A singleton chare reduces over itself alone,
// here from its constructor.
#include "check.h"

#include <cmath>

namespace {

struct Targets {
  charm::Future<int> sumInt, minInt, maxInt;
  charm::Future<double> sumDouble;
  charm::Future<long> product;
  charm::Future<std::vector<double>> sumVec;
  charm::Future<std::vector<int>> minVec, maxVec, gatherInt;
  charm::Future<bool> andTrue, andFalse, orTrue, orFalse, xorTrue, xorFalse;
  charm::Future<std::vector<std::string>> gatherStr;
  charm::Future<void> nop;
  charm::Future<int> viaElement, viaBroadcast;

  void pup(charm::Pup& p) {
    p | sumInt | minInt | maxInt | sumDouble | product | sumVec | minVec | maxVec | gatherInt;
    p | andTrue | andFalse | orTrue | orFalse | xorTrue | xorFalse | gatherStr | nop;
    p | viaElement | viaBroadcast;
  }
  static Targets make() {
    Targets t;
    auto mk = [](auto& f) { f = std::remove_reference_t<decltype(f)>::make(); };
    mk(t.sumInt), mk(t.minInt), mk(t.maxInt), mk(t.sumDouble), mk(t.product), mk(t.sumVec);
    mk(t.minVec), mk(t.maxVec), mk(t.gatherInt), mk(t.andTrue), mk(t.andFalse), mk(t.orTrue);
    mk(t.orFalse), mk(t.xorTrue), mk(t.xorFalse), mk(t.gatherStr), mk(t.nop);
    mk(t.viaElement), mk(t.viaBroadcast);
    return t;
  }
};

// The contributions of element k (0-based position in index order) of n.
template <class Self>
void contributeAll(Self& self, int k, int n, const Targets& t, charm::Callback toElement,
                   charm::Callback toAll) {
  using namespace charm::reducer;
  const int v = k + 1;
  self.contribute(v, sum, t.sumInt.callback());
  self.contribute(v, min, t.minInt.callback());
  self.contribute(v, max, t.maxInt.callback());
  self.contribute(0.5 * v, sum, t.sumDouble.callback());
  self.contribute(static_cast<long>(v % 3 + 1), product, t.product.callback());
  self.contribute(std::vector<double>{1.0 * v, 2.0 * v, -1.0 * v}, sum, t.sumVec.callback());
  self.contribute(std::vector<int>{v, -v}, min, t.minVec.callback());
  self.contribute(std::vector<int>{v, -v}, max, t.maxVec.callback());
  self.contribute(v, gather, t.gatherInt.callback());
  self.contribute(v > 0, logical_and, t.andTrue.callback());
  self.contribute(v != n, logical_and, t.andFalse.callback());
  self.contribute(v == n, logical_or, t.orTrue.callback());
  self.contribute(false, logical_or, t.orFalse.callback());
  self.contribute(v == 1, logical_xor, t.xorTrue.callback());
  self.contribute(v <= 2, logical_xor, n >= 2 ? t.xorFalse.callback() : charm::Callback::ignore());
  self.contribute("e" + std::to_string(k), gather, t.gatherStr.callback());
  self.contribute(t.nop.callback());
  self.contribute(v, sum, toElement);
  self.contribute(v, max, toAll);
}

void checkResults(Targets& t, int n) {
  long product = 1;
  for (int v = 1; v <= n; ++v) product *= v % 3 + 1;
  CHARM_CHECK_EQ(t.sumInt.get(), n * (n + 1) / 2);
  CHARM_CHECK_EQ(t.minInt.get(), 1);
  CHARM_CHECK_EQ(t.maxInt.get(), n);
  CHARM_CHECK_EQ(t.sumDouble.get(), 0.25 * n * (n + 1));
  CHARM_CHECK_EQ(t.product.get(), product);
  const double s = n * (n + 1) / 2.0;
  CHARM_CHECK(t.sumVec.get() == (std::vector<double>{s, 2 * s, -s}));
  CHARM_CHECK(t.minVec.get() == (std::vector<int>{1, -n}));
  CHARM_CHECK(t.maxVec.get() == (std::vector<int>{n, -1}));
  const auto g = t.gatherInt.get();
  CHARM_CHECK_EQ(g.size(), static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) CHARM_CHECK_EQ(g[static_cast<std::size_t>(k)], k + 1);
  CHARM_CHECK_EQ(t.andTrue.get(), true);
  CHARM_CHECK_EQ(t.andFalse.get(), false);
  CHARM_CHECK_EQ(t.orTrue.get(), true);
  CHARM_CHECK_EQ(t.orFalse.get(), false);
  CHARM_CHECK_EQ(t.xorTrue.get(), true);
  if (n >= 2) CHARM_CHECK_EQ(t.xorFalse.get(), false);
  const auto gs = t.gatherStr.get();
  CHARM_CHECK_EQ(gs.size(), static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) CHARM_CHECK_EQ(gs[static_cast<std::size_t>(k)], "e" + std::to_string(k));
  t.nop.get();
  CHARM_CHECK_EQ(t.viaElement.get(), n * (n + 1) / 2);
  CHARM_CHECK_EQ(t.viaBroadcast.get(), n);  // every element saw max == n
}

class Elem : public charm::ArrayElement<Elem> {
 public:
  void run(Targets t) {
    targets_ = t;
    const auto dims = thisProxy().dims();
    const int n = static_cast<int>(charm::elementCount(dims));
    const int k = static_cast<int>(charm::linearize(thisIndex(), dims));
    charm::ArrayIndex first;
    first.ndims = dims.ndims;
    contributeAll(*this, k, n, t, thisProxy()[first].callback<&Elem::gotSum>(),
                  thisProxy().callback<&Elem::gotMax>());
  }
  void gotSum(int sum) { targets_.viaElement.set(sum); }
  void gotMax(int max) { contribute(max == static_cast<int>(thisProxy().size()) ? 1 : 0, charm::reducer::sum, targets_.viaBroadcast.callback()); }

 private:
  Targets targets_;
};

class GroupElem : public charm::Group<GroupElem> {
 public:
  void run(Targets t) {
    targets_ = t;
    contributeAll(*this, thisIndex(), charm::numPes(), t,
                  thisProxy()[0].callback<&GroupElem::gotSum>(),
                  thisProxy().callback<&GroupElem::gotMax>());
  }
  void gotSum(int sum) { targets_.viaElement.set(sum); }
  void gotMax(int max) { contribute(max == charm::numPes() ? 1 : 0, charm::reducer::sum, targets_.viaBroadcast.callback()); }

 private:
  Targets targets_;
};

// Contributes from its constructor, on the last PE (the root of its reductions).
class Single : public charm::Chare<Single> {
 public:
  explicit Single(Targets t) : targets_(t) {
    contributeAll(*this, 0, 1, t, thisProxy().callback<&Single::gotSum>(), thisProxy().callback<&Single::gotMax>());
  }
  void gotSum(int sum) { targets_.viaElement.set(sum); }
  void gotMax(int max) { contribute(max == 1 ? 1 : 0, charm::reducer::sum, targets_.viaBroadcast.callback()); }

 private:
  Targets targets_;
};

}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    for (const charm::ArrayIndex& dims :
         {charm::ArrayIndex{1}, charm::ArrayIndex{n + 1}, charm::ArrayIndex{2 * n + 3},
          charm::ArrayIndex{3, 1, 5}}) {
      auto a = charm::ArrayProxy<Elem>::create(dims);
      for (int round = 0; round < 2; ++round) {  // later reductions reuse the machinery
        Targets t = Targets::make();
        a.broadcast<&Elem::run>(t);
        checkResults(t, static_cast<int>(a.size()));
      }
    }
    auto g = charm::GroupProxy<GroupElem>::create();
    for (int round = 0; round < 2; ++round) {
      Targets t = Targets::make();
      g.broadcast<&GroupElem::run>(t);
      checkResults(t, n);
    }
    Targets single = Targets::make();
    charm::ChareProxy<Single>::createOn(n - 1, single);
    checkResults(single, 1);
    std::printf("reducers: %d PEs ok\n", n);
    charm::exit(0);
  });
}
