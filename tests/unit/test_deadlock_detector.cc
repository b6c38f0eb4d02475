// DeadlockDetector and QuiescenceDetector::probe over the in-process transport: a
// job whose fibers wait while nothing is in flight and no timer is pending is
// aborted with every PE's report; a pending timer is not a deadlock.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>

#include "comm/in_process_transport.h"
#include "charm.h"
#include "runtime/embedding_hooks.h"
#include "in_process_job.h"

namespace {
charm::RuntimeFlags deadlockTimeout(const char* seconds) {
  charm::RuntimeFlags flags;
  flags.consume({"+deadlockTimeout", seconds}, false);
  return flags;
}
}  // namespace

TEST_CASE("a fiber waiting for a future nobody sets ends the job with the waiting PE's report") {
  charm::comm::InProcessNetwork network(1);
  charm::Runtime runtime(network.endpoint(0));
  runtime.setFlags(deadlockTimeout("0.4"));
  std::atomic<int> reports{0};
  struct Report final : charm::EmbeddingHooks {
    explicit Report(std::atomic<int>& reports) : reports(reports) {}
    std::string waitingReport(std::uint64_t) override {
      ++reports;
      return "PE 0: main waits\n";
    }
    std::atomic<int>& reports;
  } report(reports);
  runtime.setEmbeddingHooks(&report);
  const auto start = std::chrono::steady_clock::now();
  try {
    runtime.run([] { charm::Future<int>::make().get(); });
    FAIL("run() returned from a deadlocked job");
  } catch (const charm::comm::JobAborted& e) {
    CHECK(e.exitCode() != 0);
  }
  CHECK(reports == 1);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("a fiber waiting for a timer is not deadlocked, and +deadlockTimeout 0 is accepted") {
  for (const char* timeout : {"0.2", "0"}) {
    charm::comm::InProcessNetwork network(1);
    charm::Runtime runtime(network.endpoint(0));
    runtime.setFlags(deadlockTimeout(timeout));
    const int code = runtime.run([] {
      auto done = charm::Future<int>::make();
      charm::after(1.0, [done] { done.set(5); });
      charm::exit(done.get());
    });
    CHECK(code == 5);
  }
}

TEST_CASE("a quiescence probe sums every PE's suspended fibers and pending timers") {
  for (int n : {1, 3}) {
    std::atomic<bool> quiet{false};
    std::atomic<unsigned long long> fibers{0}, timers{99}, reports{0};
    const auto codes = runInProcessJob(n, [&] {
      auto result = charm::Future<int>::make();
      charm::Runtime& rt = charm::Runtime::current();
      rt.quiescence().probe(
          [&, result](bool quiescent, const charm::QuiescenceDetector::Counts& totals) {
            quiet = quiescent;
            fibers = totals.suspendedFibers;
            timers = totals.pendingTimers;
            reports = totals.reports.size();
            result.set(0);
          },
          /*withReports=*/false);
      charm::exit(result.get());
    });
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 0));
    CHECK(fibers == 1);  // main, waiting for the probe's result
    CHECK(timers == 0);
    CHECK(reports == 0);
    (void)quiet;  // the first waves may see main's own start-up messages
  }
}
