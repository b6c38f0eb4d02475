// The runtime's logic without MPI: several PEs run as threads of one process over
// the in-process transport (creation, broadcast, reductions, futures, exit, calls
// to sparse-array elements never inserted).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "comm/in_process_transport.h"
#include "charm.h"
#include "runtime/embedding_hooks.h"
#include "in_process_job.h"

namespace {

class Square : public charm::ArrayElement<Square> {
 public:
  explicit Square(long offset) : offset_(offset) {}
  void go(charm::Future<long> sum) {
    const long x = thisIndex()[0] + offset_;
    contribute(x * x, charm::reducer::sum, sum.callback());
  }
  int pe() const { return charm::myPe(); }

 private:
  long offset_;
};

class Slot : public charm::ArrayElement<Slot> {
 public:
  int pe() const { return charm::myPe(); }
  void poke() {}
};

}  // namespace

TEST_CASE("an array reduction over in-process PEs gives the exact sum and every PE exits with the code") {
  for (int n : {1, 2, 3, 5}) {
    std::atomic<long> result{-1};
    std::atomic<int> lastPe{-1};
    const auto codes = runInProcessJob(n, [&] {
      auto squares = charm::ArrayProxy<Square>::create({17}, 3L);
      auto sum = charm::Future<long>::make();
      squares.broadcast<&Square::go>(sum);
      result = sum.get();
      lastPe = squares[16].call<&Square::pe>().get();
      charm::exit(7);
    });
    long expected = 0;
    for (long i = 0; i < 17; ++i) expected += (i + 3) * (i + 3);
    CHECK(result == expected);
    CHECK(lastPe == n - 1);  // the default map puts the last element on the last PE
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 7));
  }
}

TEST_CASE("charm::abort ends the job through the transport with a non-zero code") {
  charm::comm::InProcessNetwork network(1);
  charm::Runtime runtime(network.endpoint(0));
  try {
    runtime.run([] { charm::abort("stop here"); });
    FAIL("run() returned after abort");
  } catch (const charm::comm::JobAborted& e) {
    CHECK(e.exitCode() != 0);
  }
}

TEST_CASE("a call with a future to a sparse-array element never inserted reaches the undeliverable handler") {
  for (int n : {1, 2, 3}) {
    std::mutex mutex;
    std::vector<std::string> rejected;  // "index: reason" of each call handed to the handler
    RecordUndeliverable recorder(mutex, rejected);
    std::atomic<int> insertedPe{-1};
    const auto codes = runInProcessJob(
        n,
        [&] {
          auto slots = charm::ArrayProxy<Slot>::createSparse(1);
          auto early = slots[41].call<&Slot::pe>();  // waits at its home until insertion ends
          for (int i = 0; i < 4; ++i) slots.insert(charm::ArrayIndex::of1d(i), i % charm::numPes());
          slots.doneInserting();
          charm::waitQuiescence();
          auto late = slots[42].call<&Slot::pe>();  // insertion has ended at its home
          insertedPe = slots[3].call<&Slot::pe>().get();
          charm::waitQuiescence();
          charm::exit(0);
        },
        [&](charm::Runtime& runtime) { runtime.setEmbeddingHooks(&recorder); });
    std::sort(rejected.begin(), rejected.end());
    CHECK(rejected == std::vector<std::string>{"(41,): was never inserted (ckDoneInserting has completed)",
                                               "(42,): was never inserted (ckDoneInserting has completed)"});
    CHECK(insertedPe == 3 % n);
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 0));
  }
}

TEST_CASE("a call without a future to a sparse-array element never inserted aborts the job") {
  charm::comm::InProcessNetwork network(1);
  charm::Runtime runtime(network.endpoint(0));
  try {
    runtime.run([] {
      auto slots = charm::ArrayProxy<Slot>::createSparse(1);
      slots.insert(charm::ArrayIndex::of1d(0), -1);
      slots.doneInserting();
      charm::waitQuiescence();
      slots[7].invoke<&Slot::poke>();
      charm::waitQuiescence();
      charm::exit(0);
    });
    FAIL("the call to a never-inserted element was dropped: run() returned");
  } catch (const charm::comm::JobAborted& e) {
    CHECK(e.exitCode() != 0);
  }
}
