// In-process transport: several PEs inside one process, so runtime logic can be
// unit-tested without MPI. InProcessNetwork owns one InProcessTransport endpoint
// per PE; an endpoint's send() appends the buffer (moved, not copied) to the
// destination's inbox, and poll() pops its own inbox, so per-pair FIFO holds
// trivially. Each inbox has its own mutex, so PEs may be driven from different
// threads; most tests just step the PEs one after another on one thread.
#pragma once

#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "comm/ring_queue.h"
#include "comm/transport.h"

namespace charm::comm {

// What InProcessTransport::abortJob throws instead of ending the process, so a
// unit test can check that (and with which code) the runtime aborted.
class JobAborted : public std::runtime_error {
 public:
  explicit JobAborted(int exitCode);
  int exitCode() const noexcept { return exitCode_; }

 private:
  int exitCode_;
};

class InProcessNetwork;

// One PE's endpoint of an InProcessNetwork. Sends complete immediately (the
// buffer moves into the destination's inbox), so pendingSends() is always 0.
class InProcessTransport final : public Transport {
 public:
  // Only InProcessNetwork can make a Key, hence create endpoints.
  class Key {
    friend class InProcessNetwork;
    Key() = default;
  };
  InProcessTransport(Key, InProcessNetwork& network, int rank) : network_(network), rank_(rank) {}
  InProcessTransport(const InProcessTransport&) = delete;
  InProcessTransport& operator=(const InProcessTransport&) = delete;

  int rank() const noexcept override { return rank_; }
  int size() const noexcept override;
  // Throws std::invalid_argument for a bad destination and std::logic_error
  // after shutdown(), so contract violations surface in unit tests. A message
  // to a PE that has already shut down is dropped, as it would be by MPI.
  void send(int dest, MessageBuffer message) override;
  bool poll(ReceivedMessage& out) override;
  std::size_t pendingSends() const noexcept override { return 0; }
  // Closes this PE's inbox and drops what is in it. Does not wait for the other
  // PEs (in one process there is nothing in flight to wait for).
  void shutdown() override;
  // Both throw JobAborted(exitCode).
  [[noreturn]] void abortJob(int exitCode) override;
  [[noreturn]] void endJob(int exitCode) override;

  // Messages waiting in this PE's inbox.
  std::size_t queuedMessages() const;

 private:
  // Called by the sender's endpoint, possibly on another thread.
  void deliver(int source, MessageBuffer message);

  InProcessNetwork& network_;
  const int rank_;
  bool shutDown_ = false;  // touched only by this PE's own thread
  mutable std::mutex inboxMutex_;
  RingQueue<ReceivedMessage> inbox_;  // guarded by inboxMutex_
  bool inboxClosed_ = false;          // guarded by inboxMutex_
};

class InProcessNetwork {
 public:
  explicit InProcessNetwork(int numPes);
  InProcessNetwork(const InProcessNetwork&) = delete;
  InProcessNetwork& operator=(const InProcessNetwork&) = delete;
  ~InProcessNetwork();

  int numPes() const noexcept { return static_cast<int>(endpoints_.size()); }
  // The endpoint of PE `pe`; it lives as long as the network.
  InProcessTransport& endpoint(int pe);

 private:
  std::vector<std::unique_ptr<InProcessTransport>> endpoints_;
};

}  // namespace charm::comm
