// LoadMeter: what this PE measures for the load balancer, and the balancer it
// reports to. While instrumentation is on it times every entry method of a
// measured element (its load), this PE's idle time, and counts the messages
// between measured elements; the balancer (lb/, through LoadBalancerHooks) takes
// these samples, each taking starting a new period. Owned by the Runtime
// (Runtime::loadMeter()); with instrumentation off it costs one branch per call.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "runtime/element_key.h"
#include "runtime/load_balancer_hooks.h"
#include "runtime/registry.h"

namespace charm {

class ChareBase;

class LoadMeter {
 public:
  using Clock = std::chrono::steady_clock;

  struct LoadSample {
    double wall = 0;     // seconds since the previous sample
    double objects = 0;  // of which in measured elements' entry methods
    double idle = 0;     // of which with nothing to do
  };
  // Messages from one measured element to another element.
  struct CommCount {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
  };
  struct CommPair {
    ElementKey from, to;
    friend bool operator==(const CommPair& a, const CommPair& b) { return a.from == b.from && a.to == b.to; }
  };
  struct CommPairHash {
    std::size_t operator()(const CommPair& p) const noexcept {
      return ElementKeyHash{}(p.from) * 31 + ElementKeyHash{}(p.to);
    }
  };
  using CommCounts = std::unordered_map<CommPair, CommCount, CommPairHash>;

  // The balancer (lb/) this PE reports to; null without one (AtSync() then
  // resumes at once).
  LoadBalancerHooks* balancer() const noexcept { return balancer_; }
  void setBalancer(LoadBalancerHooks* hooks) noexcept { balancer_ = hooks; }

  // Measuring is off unless a balancer needs it.
  void setInstrumentation(bool on) noexcept { on_ = on; }
  bool instrumentation() const noexcept { return on_; }

  // Runs entry `ctx.entry` (through `invoke`) on `element`, timing it when
  // instrumentation is on and the element is measured.
  void invoke(EntryInvoker invoke, ChareBase* element, InvokeContext& ctx) {
    if (on_) [[unlikely]] {
      invokeMeasured(invoke, element, ctx);
      return;
    }
    invoke(element, ctx);
  }
  // Whether a message sent now counts as communication of a measured element.
  bool countingCommunication() const noexcept { return on_ && running_; }
  // Counts a message of `bytes` from the running element to (to, index).
  void countCommunication(CollectionId to, const ArrayIndex& index, std::size_t bytes);

  // The scheduler's passes: idle time runs from the first pass that found nothing
  // to do to the start of the next one that worked.
  // While idle, the scheduler tells when each pass starts: the idle time ends at
  // the start of the pass that works.
  bool idle() const noexcept { return idle_; }
  void passStarting(Clock::time_point passStart) noexcept { passStart_ = passStart; }
  void passWorked() noexcept {
    if (idle_) endIdle();
  }
  void passFoundNothing() noexcept {
    if (!on_ || idle_) return;
    idleSince_ = Clock::now();
    idle_ = true;
  }

  // This PE's load since the previous call (starts a new period).
  LoadSample takeLoadSample();
  // Messages between measured elements since the last call: (sender, receiver)
  // -> count and bytes. Taking them starts a new period.
  CommCounts takeCommCounts() { return std::exchange(comm_, {}); }
  // Forgets the communication counted for `collection` (destroyed).
  void forgetCollection(CollectionId collection);

 private:
  void invokeMeasured(EntryInvoker invoke, ChareBase* element, InvokeContext& ctx);
  void endIdle() noexcept {
    if (passStart_ > idleSince_) idleSeconds_ += std::chrono::duration<double>(passStart_ - idleSince_).count();
    idle_ = false;
  }

  LoadBalancerHooks* balancer_ = nullptr;
  bool on_ = false;
  double objectSeconds_ = 0;
  double idleSeconds_ = 0;
  bool idle_ = false;             // instrumented and nothing to do since idleSince_
  ChareBase* running_ = nullptr;  // the measured element whose entry method runs
  CommCounts comm_;
  Clock::time_point idleSince_;
  Clock::time_point passStart_;  // of the scheduler pass running, while idle_
  Clock::time_point sampleStart_ = Clock::now();
};

}  // namespace charm
