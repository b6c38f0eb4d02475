// QuiescenceDetector: tells when no message is in flight or being processed
// anywhere. Every PE counts the messages it sends and processes (QD's own
// messages excluded). PE 0 runs waves down the spanning tree that sum those
// counts; two consecutive waves with equal totals, sent == processed, and no
// activity in between mean quiescence, and PE 0 fires the waiting callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/callback.h"
#include "runtime/message.h"

namespace charm {

class Runtime;

class QuiescenceDetector {
 public:
  explicit QuiescenceDetector(Runtime& runtime) : runtime_(runtime) {}

  void countSent() noexcept {
    ++sent_;
    active_ = true;
  }
  void countProcessed() noexcept {
    ++processed_;
    active_ = true;
  }

  // Any PE: fire `callback` once the whole program is quiescent.
  void start(const Callback& callback);
  void handleStart(MessageBuffer& message);
  // PE 0 only: runs `fn` on the scheduler once the whole program is quiescent
  // (the runtime's own protocols, e.g. ending insertion into sparse arrays).
  void whenQuiescent(std::function<void()> fn);
  void handleWave(MessageBuffer& message);
  void handleReply(MessageBuffer& message);

 private:
  struct Counts {
    std::uint64_t sent = 0;
    std::uint64_t processed = 0;
    bool active = false;
    void pup(Pup& p) {
      p | sent;
      p | processed;
      p | active;
    }
  };
  void startDetecting();
  void startWave();
  void reportWave();

  Runtime& runtime_;
  std::uint64_t sent_ = 0;
  std::uint64_t processed_ = 0;
  bool active_ = false;

  // Per-wave state on every PE.
  std::uint32_t wave_ = 0;
  int repliesMissing_ = 0;
  Counts waveCounts_;

  // PE 0 only.
  std::vector<Callback> waiting_;
  std::vector<std::function<void()>> waitingInternal_;
  bool detecting_ = false;
  bool havePrevious_ = false;
  Counts previous_;
  double retryDelay_ = 0;
};

}  // namespace charm
