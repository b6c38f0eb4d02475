// Unit tests of sending a message whose last part stays in the caller's memory
// (comm::ExternalPayload): the Transport's default path, which the in-process
// transport uses, and Runtime::send with an external tail, to this PE and to
// another one. The MPI path is tested by tests/mpi/transport_external.cc.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "comm/in_process_transport.h"
#include "charm.h"
#include "in_process_job.h"

using charm::comm::ExternalPayload;
using charm::comm::InProcessNetwork;
using charm::comm::MessageBuffer;
using charm::comm::ReceivedMessage;
using charm::comm::Transport;

namespace {

std::byte patternByte(std::size_t i, int salt) { return static_cast<std::byte>(i * 7 + salt); }

MessageBuffer patternBuffer(std::size_t bytes, int salt) {
  MessageBuffer buffer = MessageBuffer::allocate(bytes);
  for (std::size_t i = 0; i < bytes; ++i) buffer.data()[i] = patternByte(i, salt);
  return buffer;
}

// Caller-owned memory with a pattern, and a flag its keepAlive sets when released.
struct ExternalBytes {
  explicit ExternalBytes(std::size_t bytes, int salt) : storage(bytes) {
    for (std::size_t i = 0; i < bytes; ++i) storage[i] = patternByte(i, salt);
  }
  ExternalPayload payload(bool& released) {
    return ExternalPayload{storage.data(), storage.size(),
                           std::shared_ptr<void>(nullptr, [&released](void*) { released = true; })};
  }
  std::vector<std::byte> storage;
};

bool hasPattern(const std::byte* bytes, std::size_t size, int salt) {
  for (std::size_t i = 0; i < size; ++i)
    if (bytes[i] != patternByte(i, salt)) return false;
  return true;
}

}  // namespace

TEST_CASE("an external payload arrives right behind its header as one message",
          "[external_payload]") {
  InProcessNetwork network(2);
  Transport& sender = network.endpoint(0);
  Transport& receiver = network.endpoint(1);
  for (std::size_t payloadBytes : {std::size_t{0}, std::size_t{1}, std::size_t{16},
                                   std::size_t{4097}, std::size_t{3} << 20}) {
    for (std::size_t headerBytes : {std::size_t{16}, std::size_t{96}, std::size_t{256}}) {
      ExternalBytes external(payloadBytes, 5);
      bool released = false;
      sender.send(1, patternBuffer(headerBytes, 1), external.payload(released));
      // The in-process transport copies, so the caller's memory is free at once.
      CHECK(released);

      ReceivedMessage received;
      REQUIRE(receiver.poll(received));
      CHECK(received.source == 0);
      REQUIRE(received.message.size() == headerBytes + payloadBytes);
      CHECK(hasPattern(received.message.data(), headerBytes, 1));
      CHECK(hasPattern(received.message.data() + headerBytes, payloadBytes, 5));
      CHECK_FALSE(receiver.poll(received));
    }
  }
}

TEST_CASE("external-payload and ordinary messages keep their per-pair order",
          "[external_payload]") {
  InProcessNetwork network(2);
  Transport& sender = network.endpoint(0);
  ExternalBytes external(1000, 3);
  int releases = 0;
  for (std::uint64_t i = 0; i < 100; ++i) {
    MessageBuffer header = MessageBuffer::allocate(16);
    std::memcpy(header.data(), &i, sizeof i);
    if (i % 2 == 0) {
      sender.send(1, std::move(header));
    } else {
      sender.send(1, std::move(header),
                  ExternalPayload{external.storage.data(), external.storage.size(),
                                  std::shared_ptr<void>(nullptr, [&](void*) { ++releases; })});
    }
  }
  CHECK(releases == 50);
  ReceivedMessage received;
  for (std::uint64_t i = 0; i < 100; ++i) {
    REQUIRE(network.endpoint(1).poll(received));
    std::uint64_t sequence = 0;
    std::memcpy(&sequence, received.message.data(), sizeof sequence);
    CHECK(sequence == i);
    CHECK(received.message.size() == (i % 2 == 0 ? 16 : 16 + 1000));
  }
}

TEST_CASE("an external send with a misaligned header or no data is refused",
          "[external_payload]") {
  InProcessNetwork network(2);
  Transport& sender = network.endpoint(0);
  ExternalBytes external(64, 0);
  bool released = false;
  CHECK_THROWS_AS(sender.send(1, MessageBuffer::allocate(24), external.payload(released)),
                  std::invalid_argument);
  CHECK_THROWS_AS(sender.send(1, MessageBuffer::allocate(16), ExternalPayload{nullptr, 8, {}}),
                  std::invalid_argument);
  // An empty payload needs no memory at all.
  sender.send(1, MessageBuffer::allocate(32), ExternalPayload{});
  ReceivedMessage received;
  REQUIRE(network.endpoint(1).poll(received));
  CHECK(received.message.size() == 32);
  CHECK(network.endpoint(1).queuedMessages() == 0);
}

// --- Runtime::send with an external tail ------------------------------------

namespace {

// Keeps the payload of the last Payload message it received.
class Sink : public charm::Group<Sink> {
 public:
  void take(charm::Payload p) {
    last_.assign(reinterpret_cast<const char*>(p.data()),
                 reinterpret_cast<const char*>(p.data()) + p.size());
  }
  std::vector<char> last() const { return last_; }

 private:
  std::vector<char> last_;
};


}  // namespace

TEST_CASE("a runtime message with an external tail reaches an entry method whole, here and "
          "on another PE",
          "[external_payload][runtime]") {
  constexpr std::size_t kInline = 32;  // a multiple of 16: the tail lands aligned
  constexpr std::size_t kTail = 100000;
  std::vector<std::vector<char>> got(2);
  std::vector<int> releasedBeforeReturn(2, 0);
  const auto codes = runInProcessJob(2, [&] {
    auto sinks = charm::GroupProxy<Sink>::create();
    for (int pe : {0, 1}) {
      MessageBuffer message = charm::newMessage(charm::MessageKind::EntryCall, kInline);
      for (std::size_t i = 0; i < kInline; ++i) charm::payloadOf(message)[i] = patternByte(i, 9);
      charm::Envelope& env = charm::envelopeOf(message);
      env.payloadSize = kInline + kTail;  // the tail counts
      env.collection = sinks.id();
      env.index = charm::ArrayIndex::of1d(pe);
      env.entry = charm::Entry<&Sink::take>::id();
      ExternalBytes external(kTail, 4);
      bool released = false;
      charm::Runtime::current().send(pe, std::move(message), external.payload(released));
      // Here: copied into the local message. There: the in-process transport copies.
      releasedBeforeReturn[static_cast<std::size_t>(pe)] = released;
      // Per-pair order: this call runs after the message above.
      got[static_cast<std::size_t>(pe)] = sinks[pe].call<&Sink::last>().get();
    }
    charm::exit(0);
  });
  CHECK(codes == std::vector<int>{0, 0});
  for (int pe : {0, 1}) {
    const auto& bytes = got[static_cast<std::size_t>(pe)];
    CHECK(releasedBeforeReturn[static_cast<std::size_t>(pe)] == 1);
    REQUIRE(bytes.size() == kInline + kTail);
    CHECK(hasPattern(reinterpret_cast<const std::byte*>(bytes.data()), kInline, 9));
    CHECK(hasPattern(reinterpret_cast<const std::byte*>(bytes.data()) + kInline, kTail, 4));
  }
}

TEST_CASE("Runtime::send refuses a tail the envelope does not count",
          "[external_payload][runtime]") {
  bool refused = false;
  const auto codes = runInProcessJob(1, [&] {
    MessageBuffer message = charm::newMessage(charm::MessageKind::EntryCall, 16);
    std::vector<std::byte> tail(64);
    try {
      charm::Runtime::current().send(0, std::move(message),
                                     ExternalPayload{tail.data(), tail.size(), {}});
    } catch (const std::invalid_argument&) {
      refused = true;
    }
    charm::exit(0);
  });
  CHECK(codes == std::vector<int>{0});
  CHECK(refused);
}
