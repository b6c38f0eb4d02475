// Unit tests of charm::FiberPool: switching order, interleaving, deep stacks,
// exceptions, reuse of workers, switch hooks and misuse errors. Also reports the
// measured cost of a suspend+resume round trip (informational, not asserted).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/fiber.h"

namespace {

using charm::Fiber;
using charm::FiberPool;

// Uses about `bytes` of stack through recursion the compiler cannot flatten.
int burnStack(int depth, volatile char* previous) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  frame[1023] = previous ? previous[0] : 0;
  if (depth == 0) return frame[0] + frame[1023];
  return burnStack(depth - 1, frame) + 1;
}

}  // namespace

TEST_CASE("a fiber runs only when resumed and returns to the scheduler on suspend", "[fiber]") {
  FiberPool pool;
  std::vector<std::string> log;
  Fiber* f = pool.spawn([&] {
    log.push_back("start");
    CHECK(pool.inFiber());
    pool.suspend();
    log.push_back("middle");
    pool.suspend();
    log.push_back("end");
  });
  CHECK(log.empty());
  CHECK(pool.live() == 1);
  CHECK_FALSE(pool.inFiber());
  CHECK(pool.current() == nullptr);

  CHECK(pool.resume(f));
  CHECK(log == std::vector<std::string>{"start"});
  CHECK(pool.resume(f));
  CHECK(log == std::vector<std::string>{"start", "middle"});
  CHECK_FALSE(pool.resume(f));  // finished
  CHECK(log == std::vector<std::string>{"start", "middle", "end"});
  CHECK(pool.live() == 0);
  CHECK(pool.idle() == 1);
}

TEST_CASE("current() names the running fiber", "[fiber]") {
  FiberPool pool;
  Fiber* seen = nullptr;
  Fiber* f = pool.spawn([&] { seen = pool.current(); });
  pool.resume(f);
  CHECK(seen == f);
  CHECK(pool.current() == nullptr);
}

TEST_CASE("many fibers interleave in whatever order the scheduler resumes them", "[fiber]") {
  FiberPool pool;
  constexpr int kFibers = 50;
  constexpr int kSteps = 20;
  std::vector<std::vector<int>> progress(kFibers);
  std::vector<Fiber*> fibers;
  for (int i = 0; i < kFibers; ++i) {
    fibers.push_back(pool.spawn([&, i] {
      int local = i * 1000;  // lives on the fiber's own stack across switches
      for (int step = 0; step < kSteps; ++step) {
        progress[static_cast<std::size_t>(i)].push_back(local + step);
        pool.suspend();
      }
    }));
  }
  CHECK(pool.live() == kFibers);
  // Resume in reverse order, then odd before even, for every step.
  for (int step = 0; step <= kSteps; ++step) {
    for (int i = kFibers - 1; i >= 0; i -= 2) pool.resume(fibers[static_cast<std::size_t>(i)]);
    for (int i = kFibers - 2; i >= 0; i -= 2) pool.resume(fibers[static_cast<std::size_t>(i)]);
  }
  CHECK(pool.live() == 0);
  for (int i = 0; i < kFibers; ++i) {
    REQUIRE(progress[static_cast<std::size_t>(i)].size() == kSteps);
    for (int step = 0; step < kSteps; ++step)
      CHECK(progress[static_cast<std::size_t>(i)][static_cast<std::size_t>(step)] == i * 1000 + step);
  }
}

TEST_CASE("deep recursion inside a fiber has its full stack", "[fiber]") {
  FiberPool pool;  // 1 MiB stacks
  int result = -1;
  Fiber* f = pool.spawn([&] {
    result = burnStack(200, nullptr);  // ~200 KiB of frames
    pool.suspend();
    result += burnStack(400, nullptr);  // ~400 KiB, after a switch
  });
  pool.resume(f);
  CHECK(result >= 200);
  pool.resume(f);
  CHECK(result >= 600);
}

TEST_CASE("an exception thrown by a body comes out of resume() and the worker is reused", "[fiber]") {
  FiberPool pool;
  Fiber* f = pool.spawn([&] {
    pool.suspend();
    throw std::runtime_error("boom from the fiber");
  });
  CHECK(pool.resume(f));
  CHECK_THROWS_WITH(pool.resume(f), "boom from the fiber");
  CHECK(pool.live() == 0);
  CHECK(pool.idle() == 1);

  bool ran = false;
  Fiber* g = pool.spawn([&] { ran = true; });
  CHECK_FALSE(pool.resume(g));
  CHECK(ran);
}

TEST_CASE("exceptions caught inside a fiber stay inside it", "[fiber]") {
  FiberPool pool;
  int caught = 0;
  Fiber* f = pool.spawn([&] {
    try {
      pool.suspend();
      throw std::logic_error("inner");
    } catch (const std::logic_error&) {
      ++caught;
    }
    pool.suspend();
  });
  pool.resume(f);
  pool.resume(f);
  CHECK(caught == 1);
  CHECK_FALSE(pool.resume(f));
}

TEST_CASE("sequential fibers reuse one worker and its stack", "[fiber]") {
  FiberPool pool;
  long total = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10000; ++i) {
    Fiber* f = pool.spawn([&total, i] { total += i; });
    pool.resume(f);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(total == 10000L * 9999 / 2);
  CHECK(pool.idle() == 1);  // one worker served all of them
  CHECK(seconds < 1.0);     // generous: an mmap per spawn would still pass, reuse is checked above
  WARN("spawn + run + finish of a short fiber: " << seconds / 10000 * 1e9 << " ns");
}

TEST_CASE("idle workers beyond the cap are released", "[fiber]") {
  FiberPool pool(std::size_t{64} << 10, 4);
  std::vector<Fiber*> fibers;
  for (int i = 0; i < 10; ++i) fibers.push_back(pool.spawn([&] { pool.suspend(); }));
  for (Fiber* f : fibers) pool.resume(f);
  for (Fiber* f : fibers) pool.resume(f);
  CHECK(pool.live() == 0);
  CHECK(pool.idle() == 4);
  // The pool keeps working after releasing workers.
  int runs = 0;
  for (int i = 0; i < 8; ++i) pool.resume(pool.spawn([&] { ++runs; }));
  CHECK(runs == 8);
}

namespace {
struct HookLog {
  std::vector<std::string> events;
  FiberPool* pool = nullptr;
};
void onSwitchedIn(Fiber* f, void* context) {
  auto* log = static_cast<HookLog*>(context);
  CHECK(log->pool->current() == f);
  log->events.push_back("in:" + std::to_string(reinterpret_cast<std::uintptr_t>(FiberPool::userData(f))));
}
void onSwitchingOut(Fiber* f, void* context) {
  auto* log = static_cast<HookLog*>(context);
  log->events.push_back(std::string(FiberPool::bodyFinished(f) ? "end:" : "out:") +
                        std::to_string(reinterpret_cast<std::uintptr_t>(FiberPool::userData(f))));
}
}  // namespace

TEST_CASE("switch hooks run on entering and leaving a fiber, in order", "[fiber]") {
  FiberPool pool;
  HookLog log;
  log.pool = &pool;
  pool.setSwitchHooks(onSwitchedIn, onSwitchingOut, &log);

  Fiber* a = pool.spawn([&] {
    log.events.push_back("a1");
    pool.suspend();
    log.events.push_back("a2");
  });
  Fiber* b = pool.spawn([&] { log.events.push_back("b1"); });
  FiberPool::setUserData(a, reinterpret_cast<void*>(std::uintptr_t{1}));
  FiberPool::setUserData(b, reinterpret_cast<void*>(std::uintptr_t{2}));
  CHECK(FiberPool::userData(a) == reinterpret_cast<void*>(std::uintptr_t{1}));

  pool.resume(a);
  pool.resume(b);
  pool.resume(a);
  CHECK(log.events ==
        std::vector<std::string>{"in:1", "a1", "out:1", "in:2", "b1", "end:2", "in:1", "a2", "end:1"});

  // A reused worker starts with no user data.
  Fiber* c = pool.spawn([] {});
  CHECK(FiberPool::userData(c) == nullptr);
  pool.resume(c);
  pool.setSwitchHooks(nullptr, nullptr, nullptr);
}

TEST_CASE("misuse of the pool fails with clear errors", "[fiber]") {
  FiberPool pool;
  CHECK_THROWS_WITH(pool.suspend(), Catch::Contains("scheduler context"));
  CHECK_THROWS_AS(pool.spawn(nullptr), std::invalid_argument);
  CHECK_THROWS_AS(FiberPool(16), std::invalid_argument);

  Fiber* inner = pool.spawn([] {});
  std::string error;
  Fiber* outer = pool.spawn([&] {
    try {
      pool.resume(inner);
    } catch (const std::logic_error& e) {
      error = e.what();
    }
  });
  pool.resume(outer);
  CHECK_THAT(error, Catch::Contains("only from the scheduler context"));
  pool.resume(inner);

  FiberPool other;
  Fiber* foreign = other.spawn([] {});
  CHECK_THROWS_WITH(pool.resume(foreign), Catch::Contains("another pool"));
  other.resume(foreign);
}

TEST_CASE("destroying the pool unwinds fibers that are still suspended", "[fiber]") {
  struct Guard {
    int* destroyed;
    ~Guard() { ++*destroyed; }
  };
  int destroyed = 0;
  {
    FiberPool pool;
    for (int i = 0; i < 3; ++i) {
      pool.resume(pool.spawn([&] {
        Guard guard{&destroyed};
        pool.suspend();
      }));
    }
    CHECK(pool.live() == 3);
  }
  CHECK(destroyed == 3);
}

TEST_CASE("suspend+resume round trip cost", "[fiber][benchmark]") {
  FiberPool pool;
  constexpr int kRounds = 1'000'000;
  bool stop = false;
  Fiber* f = pool.spawn([&] {
    while (!stop) pool.suspend();
  });
  pool.resume(f);  // warm up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) pool.resume(f);
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / kRounds;
  stop = true;
  CHECK_FALSE(pool.resume(f));
  WARN("FiberPool suspend+resume round trip: " << ns << " ns");
}
