// Futures resolved from other PEs: return values of remote calls, futures sent to
// an element that sets them, Future<void> completion, many outstanding at once,
// and an entry method on a fiber that itself waits on a future.
#include "check.h"

namespace {
class Worker : public charm::ArrayElement<Worker> {
 public:
  int square(int x) { return x * x; }
  std::string describe() const { return "worker " + thisIndex().toString() + " on PE " + std::to_string(charm::myPe()); }
  void fill(charm::Future<std::vector<double>> f, int n) {
    f.set(std::vector<double>(static_cast<std::size_t>(n), thisIndex()[0] + 0.5));
  }
  void touch() { ++touched_; }
  int touched() const { return touched_; }
  // Runs on a fiber: asks the last element for a value and waits for it.
  int relay(int x) {
    auto f = charm::Future<std::vector<double>>::make();
    thisProxy()[static_cast<int>(thisProxy().size()) - 1].invoke<&Worker::fill>(f, x);
    const auto v = f.get();
    return static_cast<int>(v.size()) + charm::myPe() * 1000;
  }

 private:
  int touched_ = 0;
};
}  // namespace

template <>
inline constexpr bool charm::runs_on_fiber<&Worker::relay> = true;

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    const int count = 3 * n + 1;
    auto w = charm::ArrayProxy<Worker>::create({count});

    std::vector<charm::Future<int>> squares;
    for (int i = 0; i < count; ++i) squares.push_back(w[i].call<&Worker::square>(i + 7));
    for (int i = 0; i < count; ++i) CHARM_CHECK_EQ(squares[static_cast<std::size_t>(i)].get(), (i + 7) * (i + 7));
    CHARM_CHECK_EQ(squares[0].get(), 49);  // a second get() returns the same value

    const std::string d = w[count - 1].call<&Worker::describe>().get();
    CHARM_CHECK_EQ(d.rfind("worker (" + std::to_string(count - 1) + ",)", 0), 0u);

    auto v = charm::Future<std::vector<double>>::make();
    CHARM_CHECK(!v.ready());
    w[count / 2].invoke<&Worker::fill>(v, 1000);
    const auto values = v.get();
    CHARM_CHECK_EQ(values.size(), 1000u);
    CHARM_CHECK_EQ(values[999], count / 2 + 0.5);

    for (int i = 0; i < 50; ++i) w[i % count].invoke<&Worker::touch>();
    w[0].call<&Worker::touch>().get();  // Future<void>: completes after the call ran
    int touched = 0;
    for (int i = 0; i < count; ++i) touched += w[i].call<&Worker::touched>().get();
    CHARM_CHECK_EQ(touched, 51);

    for (int i = 0; i < count; ++i) {
      const int got = w[i].call<&Worker::relay>(i + 1).get();
      CHARM_CHECK_EQ(got % 1000, i + 1);
    }
    std::printf("futures: %d PEs ok\n", n);
    charm::exit(0);
  });
}
