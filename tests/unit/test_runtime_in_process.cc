// The runtime's logic without MPI: several PEs run as threads of one process over
// the in-process transport (creation, broadcast, reductions, futures, exit).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "comm/in_process_transport.h"
#include "runtime/charm.h"
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
