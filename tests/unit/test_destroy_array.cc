// Destroying arrays (ArrayProxy::destroy, Charm++'s ckDestroy) over in-process PEs:
// every PE deletes its elements, calls made before are delivered, later calls
// throw at the call, calls that waited for an element raise at their future (or
// abort the job without one), and other and new arrays keep working.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "comm/in_process_transport.h"
#include "charm.h"
#include "runtime/embedding_hooks.h"
#include "in_process_job.h"

namespace {

std::atomic<int> aliveTracked{0};
std::atomic<int> pokesTracked{0};

class Tracked : public charm::ArrayElement<Tracked> {
 public:
  Tracked() { ++aliveTracked; }
  ~Tracked() override { --aliveTracked; }
  void poke() { ++pokesTracked; }
  void go(charm::Future<long> sum) { contribute(static_cast<long>(thisIndex()[0]), charm::reducer::sum, sum.callback()); }
  int pe() const { return charm::myPe(); }
};

}  // namespace

TEST_CASE("destroying an array deletes its elements on every PE; calls made before it are delivered") {
  for (int n : {1, 2, 3}) {
    aliveTracked = 0;
    pokesTracked = 0;
    std::atomic<int> aliveBefore{-1}, aliveAfter{-1}, pokes{-1};
    std::atomic<long> otherSum{-1}, freshSum{-1};
    std::atomic<bool> threwAtCall{false};
    const auto codes = runInProcessJob(n, [&] {
      auto doomed = charm::ArrayProxy<Tracked>::create({13});
      auto other = charm::ArrayProxy<Tracked>::create({5});
      doomed[12].call<&Tracked::pe>().get();
      charm::waitQuiescence();
      aliveBefore = aliveTracked.load();
      for (int i = 0; i < 13; ++i) doomed[i].invoke<&Tracked::poke>();
      doomed.broadcast<&Tracked::poke>();
      doomed.destroy();
      try {
        doomed[0].invoke<&Tracked::poke>();
      } catch (const std::logic_error& e) {
        threwAtCall = std::string(e.what()).find("destroyed") != std::string::npos;
      }
      auto sum = charm::Future<long>::make();
      other.broadcast<&Tracked::go>(sum);
      otherSum = sum.get();
      charm::waitQuiescence();
      aliveAfter = aliveTracked.load();
      pokes = pokesTracked.load();
      auto fresh = charm::ArrayProxy<Tracked>::create({7});
      auto freshTotal = charm::Future<long>::make();
      fresh.broadcast<&Tracked::go>(freshTotal);
      freshSum = freshTotal.get();
      charm::exit(0);
    });
    CHECK(aliveBefore == 18);
    CHECK(aliveAfter == 5);  // the other array's elements only
    CHECK(pokes == 26);      // 13 direct calls and a broadcast, all sent before destroy()
    CHECK(threwAtCall);
    CHECK(otherSum == 0 + 1 + 2 + 3 + 4);
    CHECK(freshSum == 21);
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 0));
  }
}

TEST_CASE("a call with a future waiting for an element of a destroyed array reaches the undeliverable handler") {
  for (int n : {1, 2, 3}) {
    std::mutex mutex;
    std::vector<std::string> rejected;
    RecordUndeliverable recorder(mutex, rejected);
    const auto codes = runInProcessJob(
        n,
        [&] {
          auto slots = charm::ArrayProxy<Tracked>::createSparse(1);
          slots.insert(charm::ArrayIndex::of1d(0), -1);
          auto waiting = slots[41].call<&Tracked::pe>();  // waits at its home for an insertion
          charm::waitQuiescence();
          slots.destroy();
          charm::waitQuiescence();
          charm::exit(0);
        },
        [&](charm::Runtime& runtime) { runtime.setEmbeddingHooks(&recorder); });
    CHECK(rejected == std::vector<std::string>{"(41,): was destroyed (ckDestroy) before the call reached it"});
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 0));
  }
}

TEST_CASE("a call without a future waiting for an element of a destroyed array aborts the job") {
  charm::comm::InProcessNetwork network(1);
  charm::Runtime runtime(network.endpoint(0));
  try {
    runtime.run([] {
      auto slots = charm::ArrayProxy<Tracked>::createSparse(1);
      slots[7].invoke<&Tracked::poke>();  // waits at its home for an insertion
      charm::waitQuiescence();
      slots.destroy();
      charm::waitQuiescence();
      charm::exit(0);
    });
    FAIL("the call waiting for an element of a destroyed array was dropped: run() returned");
  } catch (const charm::comm::JobAborted& e) {
    CHECK(e.exitCode() != 0);
  }
}

TEST_CASE("destroying an array twice throws at the call") {
  const auto codes = runInProcessJob(2, [] {
    auto a = charm::ArrayProxy<Tracked>::create({3});
    a.destroy();
    CHECK_THROWS_AS(a.destroy(), std::logic_error);
    charm::waitQuiescence();
    CHECK_THROWS_AS(a.destroy(), std::logic_error);
    charm::exit(0);
  });
  CHECK(codes == std::vector<int>{0, 0});
}
