// The scheduler's local queue and the message envelope.
#include <catch2/catch.hpp>

#include <cstring>

#include "charm/detail/message.h"
#include "runtime/message_queue.h"

TEST_CASE("the local message queue is FIFO across growth and wrap-around") {
  charm::MessageQueue q(4);
  int next = 0, expected = 0;
  auto push = [&] {
    auto m = charm::newMessage(charm::MessageKind::EntryCall, sizeof(int));
    std::memcpy(charm::payloadOf(m), &next, sizeof next);
    ++next;
    q.push(std::move(m));
  };
  auto popCheck = [&] {
    auto m = q.pop();
    int v = -1;
    std::memcpy(&v, charm::payloadOf(m), sizeof v);
    CHECK(v == expected++);
  };
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < round % 7 + 1; ++i) push();
    for (int i = 0; i < round % 5 + 1 && !q.empty(); ++i) popCheck();
  }
  while (!q.empty()) popCheck();
  CHECK(expected == next);
}

TEST_CASE("a message keeps its envelope fields and payload in place") {
  auto m = charm::newMessage(charm::MessageKind::Broadcast, 100);
  auto& env = charm::envelopeOf(m);
  env.collection = 0x0000000300000007ull;
  env.index = charm::ArrayIndex{4, 5, 6};
  env.entry = 42;
  env.setBroadcastNumber(9);
  env.reply = charm::FutureRef{2, 77};
  std::memset(charm::payloadOf(m), 0xAB, 100);
  auto moved = std::move(m);
  const auto& e = charm::envelopeOf(moved);
  CHECK(e.kind == charm::MessageKind::Broadcast);
  CHECK(e.payloadSize == 100);
  CHECK(e.index == charm::ArrayIndex{4, 5, 6});
  CHECK(e.collection >> 32 == 3);
  CHECK(e.reply.pe == 2);
  CHECK(e.reply.id == 77);
  CHECK(charm::payloadOf(moved)[99] == std::byte{0xAB});
  CHECK(reinterpret_cast<std::uintptr_t>(charm::payloadOf(moved)) % 16 == 0);
  auto copy = charm::copyMessage(moved);
  CHECK(charm::envelopeOf(copy).entry == 42);
  CHECK(std::memcmp(copy.data(), moved.data(), moved.size()) == 0);
}
