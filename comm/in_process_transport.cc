// InProcessNetwork and its endpoints; see in_process_transport.h.
#include "comm/in_process_transport.h"

#include <string>
#include <utility>

namespace charm::comm {

JobAborted::JobAborted(int exitCode)
    : std::runtime_error("job aborted with exit code " + std::to_string(exitCode)),
      exitCode_(exitCode) {}

int InProcessTransport::size() const noexcept { return network_.numPes(); }

void InProcessTransport::send(int dest, MessageBuffer message) {
  if (shutDown_)
    throw std::logic_error("InProcessTransport: PE " + std::to_string(rank_) +
                           " sends after shutdown()");
  if (dest < 0 || dest >= size() || dest == rank_)
    throw std::invalid_argument("InProcessTransport: PE " + std::to_string(rank_) +
                                " cannot send to PE " + std::to_string(dest) + " (" +
                                std::to_string(size()) + " PEs, self-sends not allowed)");
  network_.endpoint(dest).deliver(rank_, std::move(message));
}

void InProcessTransport::deliver(int source, MessageBuffer message) {
  std::lock_guard lock(inboxMutex_);
  if (inboxClosed_) return;
  inbox_.push(ReceivedMessage{source, std::move(message)});
}

bool InProcessTransport::poll(ReceivedMessage& out) {
  if (shutDown_)
    throw std::logic_error("InProcessTransport: PE " + std::to_string(rank_) +
                           " polls after shutdown()");
  std::lock_guard lock(inboxMutex_);
  if (inbox_.empty()) return false;
  out = inbox_.pop();
  return true;
}

void InProcessTransport::shutdown() {
  shutDown_ = true;
  std::lock_guard lock(inboxMutex_);
  inboxClosed_ = true;
  inbox_.clear();
}

void InProcessTransport::abortJob(int exitCode) { throw JobAborted(exitCode); }

void InProcessTransport::endJob(int exitCode) { throw JobAborted(exitCode); }

std::size_t InProcessTransport::queuedMessages() const {
  std::lock_guard lock(inboxMutex_);
  return inbox_.size();
}

InProcessNetwork::InProcessNetwork(int numPes) {
  if (numPes < 1)
    throw std::invalid_argument("InProcessNetwork needs at least one PE, got " +
                                std::to_string(numPes));
  endpoints_.reserve(static_cast<std::size_t>(numPes));
  for (int pe = 0; pe < numPes; ++pe)
    endpoints_.push_back(std::make_unique<InProcessTransport>(InProcessTransport::Key{}, *this, pe));
}

InProcessNetwork::~InProcessNetwork() = default;

InProcessTransport& InProcessNetwork::endpoint(int pe) {
  if (pe < 0 || pe >= numPes())
    throw std::out_of_range("InProcessNetwork: no PE " + std::to_string(pe) + " among " +
                            std::to_string(numPes()));
  return *endpoints_[static_cast<std::size_t>(pe)];
}

}  // namespace charm::comm
