// Unit tests of charm::FiberScheduler's ready list: fibers made ready from a fiber
// are resumed by the next resumeReady() pass, in the order they were made ready,
// those made ready during a pass wait for the following one, and the two vectors
// it swaps (no allocation per pass) lose nothing over many passes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "runtime/fiber_scheduler.h"

namespace {

using charm::Fiber;
using charm::FiberScheduler;

}  // namespace

TEST_CASE("fibers made ready from a fiber run at the next pass, in order", "[fiber_scheduler]") {
  FiberScheduler s(64 * 1024);
  std::vector<std::string> log;
  Fiber* a = nullptr;
  Fiber* b = nullptr;
  s.spawn([&] {
    a = s.pool().current();
    s.pool().suspend();
    log.push_back("a");
  });
  s.spawn([&] {
    b = s.pool().current();
    s.pool().suspend();
    log.push_back("b");
  });
  CHECK_FALSE(s.resumeReady());  // nothing ready yet: both suspended
  s.spawn([&] {
    s.resume(b);  // from a fiber: queued, not run now
    s.resume(a);
    log.push_back("waker");
  });
  CHECK(log == std::vector<std::string>{"waker"});
  CHECK(s.resumeReady());
  CHECK(log == std::vector<std::string>{"waker", "b", "a"});
  CHECK_FALSE(s.resumeReady());
  CHECK(s.pool().live() == 0);
}

TEST_CASE("a fiber made ready during a pass waits for the next pass", "[fiber_scheduler]") {
  FiberScheduler s(64 * 1024);
  std::vector<std::string> log;
  Fiber* second = nullptr;
  s.spawn([&] {
    second = s.pool().current();
    s.pool().suspend();
    log.push_back("second");
  });
  Fiber* first = nullptr;
  s.spawn([&] {
    first = s.pool().current();
    s.pool().suspend();
    log.push_back("first");
    s.resume(second);  // during the pass that resumed this fiber
  });
  s.spawn([&] { s.resume(first); });
  CHECK(s.resumeReady());
  CHECK(log == std::vector<std::string>{"first"});
  CHECK(s.resumeReady());
  CHECK(log == std::vector<std::string>{"first", "second"});
  CHECK_FALSE(s.resumeReady());
  CHECK(s.pool().live() == 0);
}

TEST_CASE("many passes of many ready fibers resume each exactly once", "[fiber_scheduler]") {
  FiberScheduler s(64 * 1024);
  constexpr int kFibers = 50;
  std::vector<Fiber*> fibers;
  std::vector<int> runs(kFibers, 0);
  for (int i = 0; i < kFibers; ++i)
    s.spawn([&, i] {
      fibers.push_back(s.pool().current());
      for (;;) {
        s.pool().suspend();
        ++runs[static_cast<std::size_t>(i)];
        if (runs[static_cast<std::size_t>(i)] == 20) return;
      }
    });
  for (int pass = 1; pass <= 20; ++pass) {
    // A fiber wakes them all (from a fiber: they go to the ready list).
    s.spawn([&] {
      for (Fiber* f : fibers) s.resume(f);
    });
    CHECK(s.resumeReady());
    for (int r : runs) CHECK(r == pass);
  }
  CHECK(s.pool().live() == 0);
}
