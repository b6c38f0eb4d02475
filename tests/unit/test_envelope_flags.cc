// The envelope contract: the flag table of runtime/envelope_flags.h (one meaning
// per bit on any kind, every constant listed, the runtime's bits apart from the
// embedding layer's) and the per-kind accessors of Envelope (the same bytes on
// the wire as the fields they name).
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "charm/detail/message.h"
#include "runtime/envelope_flags.h"

using namespace charm;

namespace {

const EnvelopeFlag* flagNamed(const std::string& name) {
  for (const EnvelopeFlag& f : kEnvelopeFlags)
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<MessageKind> allKinds() {
  std::vector<MessageKind> kinds;
  for (unsigned k = 0; k <= static_cast<unsigned>(kLastMessageKind); ++k) kinds.push_back(static_cast<MessageKind>(k));
  return kinds;
}

// Every flag constant the runtime and the embedding layer use, by name.
const std::vector<std::pair<std::string, std::uint8_t>> kConstants = {
    {"kForwardedDownTree", kForwardedDownTree}, {"kForwardedToElement", kForwardedToElement},
    {"kPlacedByHome", kPlacedByHome},           {"kWaveWithReports", kWaveWithReports},
    {"kExternalFutureFlag", kExternalFutureFlag}, {"kCallByReference", kCallByReference},
    {"kReplyGathered", kReplyGathered},         {"kCallFast", kCallFast},
    {"kFutureFormatMask", kFutureFormatMask},   {"kWantList", kWantList},
};

template <class T>
T fieldAt(const MessageBuffer& m, std::size_t offset) {
  T v;
  std::memcpy(&v, m.data() + offset, sizeof v);
  return v;
}
template <class T>
void putAt(MessageBuffer& m, std::size_t offset, T v) {
  std::memcpy(m.data() + offset, &v, sizeof v);
}

}  // namespace

TEST_CASE("no two envelope flags that apply to the same message kind share a bit") {
  for (const MessageKind kind : allKinds()) {
    std::uint8_t seen = 0;
    for (const EnvelopeFlag& f : kEnvelopeFlags) {
      if (!contains(f.kinds, kind)) continue;
      INFO(f.name << " on " << messageKindName(kind));
      CHECK((seen & f.bits) == 0);
      seen |= f.bits;
    }
  }
  CHECK(flagTableConsistent());
}

TEST_CASE("every envelope flag constant is in the flag table with its bits, and only those") {
  for (const auto& [name, bits] : kConstants) {
    INFO(name);
    const EnvelopeFlag* f = flagNamed(name);
    REQUIRE(f != nullptr);
    CHECK(f->bits == bits);
  }
  std::set<std::string> names;
  for (const EnvelopeFlag& f : kEnvelopeFlags) {
    INFO(f.name);
    CHECK(names.insert(f.name).second);  // one entry per name
    CHECK(f.bits != 0);
    CHECK(f.kinds != 0);  // applies to some kind
    CHECK(std::string(f.meaning).size() > 10);
    bool listed = false;
    for (const auto& c : kConstants) listed |= c.first == f.name;
    CHECK(listed);
  }
}

TEST_CASE("bit 0 has one named meaning per kind, and none on the others") {
  CHECK(flagAppliesTo(kForwardedDownTree, MessageKind::Broadcast));
  for (MessageKind k : {MessageKind::EntryCall, MessageKind::ElementBroadcast, MessageKind::ElementSectionBroadcast})
    CHECK(flagAppliesTo(kForwardedToElement, k));
  CHECK(flagAppliesTo(kPlacedByHome, MessageKind::InsertElement));
  CHECK(flagAppliesTo(kWaveWithReports, MessageKind::QuiescenceWave));
  // Which entry bit 0 belongs to on a kind: exactly one, or none.
  for (const MessageKind kind : allKinds()) {
    int owners = 0;
    for (const EnvelopeFlag& f : kEnvelopeFlags) owners += contains(f.kinds, kind) && (f.bits & 0x01);
    INFO(messageKindName(kind));
    CHECK(owners <= 1);
  }
  CHECK_FALSE(contains(kindSet(MessageKind::Broadcast), MessageKind::ElementBroadcast));
  CHECK(flagBitsOn(MessageKind::FutureValue, FlagOwner::Runtime) == kExternalFutureFlag);
  CHECK(flagBitsOn(MessageKind::Exit) == 0);
}

TEST_CASE("stripping the runtime's flag bits from a call keeps the embedding layer's") {
  for (const MessageKind kind : allKinds()) {
    if (!contains(kCallKinds, kind)) continue;
    INFO(messageKindName(kind));
    CHECK((flagBitsOn(kind, FlagOwner::Runtime) & ~kRuntimeFlagBits) == 0);
    CHECK((flagBitsOn(kind, FlagOwner::Embedding) & kRuntimeFlagBits) == 0);
  }
}

TEST_CASE("flag helpers set, test and clear only their own bit") {
  MessageBuffer m = newMessage(MessageKind::EntryCall, 0);
  Envelope& env = envelopeOf(m);
  env.flags = kCallFast | kReplyGathered;
  CHECK_FALSE(hasFlag(env, kForwardedToElement));
  setFlag(env, kForwardedToElement);
  CHECK(hasFlag(env, kForwardedToElement));
  CHECK(env.flags == (kCallFast | kReplyGathered | 0x01));
  clearFlag(env, kForwardedToElement);
  CHECK(env.flags == (kCallFast | kReplyGathered));
}

TEST_CASE("the envelope keeps its wire layout: same size and field offsets") {
  CHECK(sizeof(Envelope) == 88);
  CHECK(kPayloadOffset == 96);
  CHECK(offsetof(Envelope, flags) == 1);
  CHECK(offsetof(Envelope, kindCode) == 2);
  CHECK(offsetof(Envelope, kindPe) == 8);
  CHECK(offsetof(Envelope, kindNumber) == 16);
  CHECK(sizeof(Envelope::kindCode) == 2);
  CHECK(sizeof(Envelope::kindPe) == 4);
  CHECK(sizeof(Envelope::kindNumber) == 4);
}

TEST_CASE("each per-kind accessor writes and reads the bytes of the field it names") {
  MessageBuffer m = newMessage(MessageKind::Broadcast, 0);
  Envelope& env = envelopeOf(m);
  // kindCode: bytes 2..3 (was `reserved`).
  env.setReductionStream(7);
  CHECK(fieldAt<std::uint16_t>(m, 2) == 7);
  env.setInsertionPhase(3);
  CHECK(fieldAt<std::uint16_t>(m, 2) == 3);
  env.setDestroyPath(2);
  CHECK(fieldAt<std::uint16_t>(m, 2) == 2);
  env.setLocationUpdateKind(1);
  CHECK(fieldAt<std::uint16_t>(m, 2) == 1);
  putAt<std::uint16_t>(m, 2, 0xbeef);
  CHECK(env.reductionStream() == 0xbeef);
  CHECK(env.insertionPhase() == 0xbeef);
  CHECK(env.destroyPath() == 0xbeef);
  CHECK(env.locationUpdateKind() == 0xbeef);
  // kindPe: bytes 8..11 (was `treeRoot`).
  env.setTreeRoot(5);
  CHECK(fieldAt<std::int32_t>(m, 8) == 5);
  env.setOriginalSender(6);
  CHECK(fieldAt<std::int32_t>(m, 8) == 6);
  env.setInsertOnPe(-1);
  CHECK(fieldAt<std::int32_t>(m, 8) == -1);
  putAt<std::int32_t>(m, 8, 1234);
  CHECK(env.treeRoot() == 1234);
  CHECK(env.originalSender() == 1234);
  CHECK(env.insertOnPe() == 1234);
  // kindNumber: bytes 16..19 (was `sequence`).
  env.setBroadcastNumber(11);
  CHECK(fieldAt<std::uint32_t>(m, 16) == 11);
  env.setReductionNumber(12);
  CHECK(fieldAt<std::uint32_t>(m, 16) == 12);
  env.setQuiescenceWave(13);
  CHECK(fieldAt<std::uint32_t>(m, 16) == 13);
  env.setExitCode(-2);  // stored as the uint32 cast of the int, as before
  CHECK(fieldAt<std::uint32_t>(m, 16) == static_cast<std::uint32_t>(-2));
  CHECK(env.exitCode() == -2);
  env.setOutputStream(2);
  CHECK(fieldAt<std::uint32_t>(m, 16) == 2);
  env.setLocationPe(3);
  CHECK(fieldAt<std::uint32_t>(m, 16) == 3);
  env.setFirstBroadcast(14);
  CHECK(fieldAt<std::uint32_t>(m, 16) == 14);
  putAt<std::uint32_t>(m, 16, 0xfeedu);
  CHECK(env.broadcastNumber() == 0xfeedu);
  CHECK(env.reductionNumber() == 0xfeedu);
  CHECK(env.quiescenceWave() == 0xfeedu);
  CHECK(env.exitCode() == 0xfeed);
  CHECK(env.outputStream() == 0xfeedu);
  CHECK(env.locationPe() == 0xfeedu);
  CHECK(env.firstBroadcast() == 0xfeedu);
  // The neighbours are untouched.
  CHECK(env.kind == MessageKind::Broadcast);
  CHECK(env.flags == 0);
  CHECK(env.sourcePe == -1);
  CHECK(env.entry == kNoEntry);
}
