// Unit tests of the in-process transport (several PEs inside one process).
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "comm/in_process_transport.h"

using charm::comm::InProcessNetwork;
using charm::comm::JobAborted;
using charm::comm::MessageBuffer;
using charm::comm::ReceivedMessage;
using charm::comm::Transport;

namespace {

// A message whose payload is its sequence number (8 bytes), optionally padded.
MessageBuffer numbered(std::uint64_t sequence, std::size_t bytes = sizeof(std::uint64_t)) {
  MessageBuffer message = MessageBuffer::allocate(bytes);
  std::memset(message.data(), 0xab, bytes);
  std::memcpy(message.data(), &sequence, sizeof sequence);
  return message;
}

std::uint64_t sequenceOf(const MessageBuffer& message) {
  std::uint64_t sequence = 0;
  std::memcpy(&sequence, message.data(), sizeof sequence);
  return sequence;
}

}  // namespace

TEST_CASE("an in-process network numbers its endpoints like PEs", "[in_process]") {
  InProcessNetwork network(3);
  CHECK(network.numPes() == 3);
  for (int pe = 0; pe < 3; ++pe) {
    CHECK(network.endpoint(pe).rank() == pe);
    CHECK(network.endpoint(pe).size() == 3);
  }
  CHECK_THROWS_AS(network.endpoint(3), std::out_of_range);
  CHECK_THROWS_AS(InProcessNetwork(0), std::invalid_argument);
}

TEST_CASE("messages between one pair of PEs arrive in send order", "[in_process]") {
  InProcessNetwork network(2);
  Transport& sender = network.endpoint(0);
  Transport& receiver = network.endpoint(1);
  constexpr std::uint64_t kCount = 10000;
  for (std::uint64_t i = 0; i < kCount; ++i) sender.send(1, numbered(i, 8 + i % 300));

  ReceivedMessage received;
  for (std::uint64_t i = 0; i < kCount; ++i) {
    REQUIRE(receiver.poll(received));
    CHECK(received.source == 0);
    REQUIRE(received.message.size() == 8 + i % 300);
    CHECK(sequenceOf(received.message) == i);
  }
  CHECK_FALSE(receiver.poll(received));
  CHECK_FALSE(sender.poll(received));
}

TEST_CASE("a zero-byte message is delivered as an empty message", "[in_process]") {
  InProcessNetwork network(2);
  network.endpoint(1).send(0, MessageBuffer::allocate(0));
  network.endpoint(1).send(0, MessageBuffer());  // a never-allocated buffer works too
  ReceivedMessage received;
  REQUIRE(network.endpoint(0).poll(received));
  CHECK(received.source == 1);
  CHECK(received.message.size() == 0);
  REQUIRE(network.endpoint(0).poll(received));
  CHECK(received.message.size() == 0);
  CHECK_FALSE(network.endpoint(0).poll(received));
}

TEST_CASE("the payload arrives without being copied", "[in_process]") {
  InProcessNetwork network(2);
  MessageBuffer message = numbered(42, 4096);
  const std::byte* const block = message.data();
  network.endpoint(0).send(1, std::move(message));
  ReceivedMessage received;
  REQUIRE(network.endpoint(1).poll(received));
  CHECK(received.message.data() == block);
}

TEST_CASE("interleaved senders keep per-pair order at a common receiver", "[in_process]") {
  constexpr int kPes = 4;
  constexpr std::uint64_t kPerSender = 500;
  InProcessNetwork network(kPes);
  // Senders 1..3 take turns, one message each per round.
  for (std::uint64_t i = 0; i < kPerSender; ++i)
    for (int source = 1; source < kPes; ++source) network.endpoint(source).send(0, numbered(i));

  std::vector<std::uint64_t> nextExpected(kPes, 0);
  ReceivedMessage received;
  while (network.endpoint(0).poll(received)) {
    REQUIRE(received.source >= 1);
    REQUIRE(received.source < kPes);
    CHECK(sequenceOf(received.message) == nextExpected[static_cast<std::size_t>(received.source)]);
    ++nextExpected[static_cast<std::size_t>(received.source)];
  }
  for (int source = 1; source < kPes; ++source)
    CHECK(nextExpected[static_cast<std::size_t>(source)] == kPerSender);
}

TEST_CASE("sends complete at once, so no send is ever pending", "[in_process]") {
  InProcessNetwork network(2);
  CHECK(network.endpoint(0).pendingSends() == 0);
  for (int i = 0; i < 10; ++i) network.endpoint(0).send(1, numbered(static_cast<std::uint64_t>(i)));
  CHECK(network.endpoint(0).pendingSends() == 0);
  CHECK(network.endpoint(1).queuedMessages() == 10);
}

TEST_CASE("sending to oneself or to a PE that does not exist is refused", "[in_process]") {
  InProcessNetwork network(2);
  CHECK_THROWS_AS(network.endpoint(0).send(0, numbered(1)), std::invalid_argument);
  CHECK_THROWS_AS(network.endpoint(0).send(2, numbered(1)), std::invalid_argument);
  CHECK_THROWS_AS(network.endpoint(0).send(-1, numbered(1)), std::invalid_argument);
}

TEST_CASE("after shutdown a PE drops what it had and what still arrives", "[in_process]") {
  InProcessNetwork network(2);
  network.endpoint(0).send(1, numbered(1));
  network.endpoint(1).shutdown();
  CHECK(network.endpoint(1).queuedMessages() == 0);
  network.endpoint(0).send(1, numbered(2));  // to a closed PE: dropped, not an error
  CHECK(network.endpoint(1).queuedMessages() == 0);

  ReceivedMessage received;
  CHECK_THROWS_AS(network.endpoint(1).poll(received), std::logic_error);
  CHECK_THROWS_AS(network.endpoint(1).send(0, numbered(3)), std::logic_error);
}

TEST_CASE("aborting the job throws JobAborted with the exit code", "[in_process]") {
  InProcessNetwork network(2);
  try {
    network.endpoint(1).abortJob(7);
    FAIL("abortJob returned");
  } catch (const JobAborted& aborted) {
    CHECK(aborted.exitCode() == 7);
  }
}

TEST_CASE("every in-process PE is on host 0", "[in_process]") {
  InProcessNetwork network(3);
  const auto layout = network.endpoint(2).hostLayout();
  CHECK(layout.myHost == 0);
  CHECK(layout.numHosts() == 1);
  CHECK(layout.pesOnHost[0] == std::vector<int>{0, 1, 2});
  CHECK(layout.hostOfPe == std::vector<int>{0, 0, 0});
}

TEST_CASE("PEs driven from their own threads exchange messages in order", "[in_process]") {
  constexpr int kPes = 4;
  constexpr std::uint64_t kPerPair = 2000;
  InProcessNetwork network(kPes);
  std::vector<int> errors(kPes, 0);
  std::vector<std::thread> threads;
  for (int pe = 0; pe < kPes; ++pe) {
    threads.emplace_back([&network, &errors, pe] {
      Transport& me = network.endpoint(pe);
      std::vector<std::uint64_t> nextExpected(kPes, 0);
      std::uint64_t received = 0;
      const std::uint64_t expected = kPerPair * (kPes - 1);
      ReceivedMessage message;
      for (std::uint64_t i = 0; i < kPerPair; ++i) {
        for (int dest = 0; dest < kPes; ++dest)
          if (dest != pe) me.send(dest, numbered(i, 8 + i % 100));
        while (me.poll(message)) {
          auto& next = nextExpected[static_cast<std::size_t>(message.source)];
          if (sequenceOf(message.message) != next) ++errors[static_cast<std::size_t>(pe)];
          ++next;
          ++received;
        }
      }
      while (received < expected) {
        if (!me.poll(message)) {
          std::this_thread::yield();
          continue;
        }
        auto& next = nextExpected[static_cast<std::size_t>(message.source)];
        if (sequenceOf(message.message) != next) ++errors[static_cast<std::size_t>(pe)];
        ++next;
        ++received;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int pe = 0; pe < kPes; ++pe) CHECK(errors[static_cast<std::size_t>(pe)] == 0);
}
