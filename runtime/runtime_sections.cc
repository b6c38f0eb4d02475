// Runtime: sections. A section broadcast goes to the section's root, which
// numbers it (so members see section broadcasts in one order) and sends one
// message to each PE holding members, carrying the routing (members, entries);
// a member that moved away gets its copy forwarded. Reduction partials of a
// section not known here yet wait for it in PendingMessages.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "charm/chare_base.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

// --- sections ----------------------------------------------------------------

namespace {
// A section broadcast's payload: [u64 header bytes][packed SectionRouting][padding
// to 16] then the caller's payload, which so stays 16-byte aligned.
std::size_t routingHeaderBytes(const SectionRouting& routing) {
  return (sizeof(std::uint64_t) + packedSize(routing) + 15) & ~std::size_t{15};
}

MessageBuffer sectionMessage(MessageKind kind, const SectionRouting& routing, const std::byte* payload,
                             std::size_t payloadSize) {
  const std::size_t header = routingHeaderBytes(routing);
  MessageBuffer m = newMessage(kind, header + payloadSize);
  std::byte* out = payloadOf(m);
  const std::uint64_t headerField = header;
  std::memcpy(out, &headerField, sizeof headerField);
  packInto(out + sizeof headerField, packedSize(routing), routing);
  if (payloadSize) std::memcpy(out + header, payload, payloadSize);
  envelopeOf(m).collection = routing.section;
  return m;
}

// The routing of a section broadcast and where the caller's payload starts.
SectionRouting readRouting(const MessageBuffer& m, std::size_t& header) {
  return readSectionRouting(payloadOf(m), payloadSizeOf(m), header);
}
}  // namespace

const SectionInfo& Runtime::addSection(SectionSpec spec) {
  if (!destroyed_.empty())
    for (const SectionMember& m : spec.members) checkNotDestroyed(m.collection, "section");
  const SectionId id = spec.id;
  const bool known = sections_.find(id) != nullptr;  // maybe from a broadcast: partials already run
  const SectionInfo& info = sections_.add(std::move(spec));
  if (!known) sectionKnown(id);
  return info;
}

void Runtime::sectionKnown(SectionId id) {
  for (MessageBuffer& m : pending_.release(PendingMessages::section(id))) dispatch(m);
}

void Runtime::broadcastSection(SectionId section, const std::vector<SectionRouting::Entry>& entries,
                               MessageBuffer message, FutureRef reply, std::uint8_t flags) {
  for (const SectionRouting::Entry& e : entries) checkNotDestroyed(e.collection, "section broadcast");
  const SectionInfo* info = sections_.find(section);
  if (!info) throw std::logic_error("charm: broadcast to a section this PE was never told about");
  SectionRouting routing;
  routing.section = section;
  routing.entries = entries;
  MessageBuffer request = sectionMessage(MessageKind::SectionBroadcastRequest, routing,
                                         payloadOf(message), payloadSizeOf(message));
  Envelope& env = envelopeOf(request);
  env.reply = reply;
  env.flags = flags & ~kRuntimeFlagBits;
  send(info->root(), std::move(request));
}

void Runtime::handleSectionBroadcastRequest(MessageBuffer message) {
  const Envelope& env = envelopeOf(message);
  SectionInfo* info = sections_.find(env.collection);
  if (!info)
    throw std::logic_error("charm: a broadcast reached the root of section " +
                           std::to_string(env.collection & ~kSectionIdBit) + ", which does not know it");
  std::size_t header = 0;
  SectionRouting routing = readRouting(message, header);
  const std::uint32_t number = info->nextBroadcast++;
  routing.pes.assign(info->pes().begin(), info->pes().end());
  const std::byte* payload = payloadOf(message) + header;
  const std::size_t payloadSize = payloadSizeOf(message) - header;
  for (int pe : info->pes()) {
    routing.members = info->membersOn(pe);
    if (routing.members.empty()) continue;  // the root need not hold members
    MessageBuffer m = sectionMessage(MessageKind::SectionBroadcast, routing, payload, payloadSize);
    Envelope& out = envelopeOf(m);
    out.setBroadcastNumber(number);
    out.reply = env.reply;
    out.flags = env.flags;
    send(pe, std::move(m));
  }
}

void Runtime::handleSectionBroadcast(MessageBuffer message) {
  std::size_t header = 0;
  const SectionRouting routing = readRouting(message, header);
  // Deliver only once every member's collection exists here (creation may be in flight).
  for (const auto& member : routing.members)
    if (!findCollection(member.collection)) {
      waitForCollection(member.collection, std::move(message));
      return;
    }
  if (!sections_.find(routing.section)) {
    sections_.addFromRouting(routing);
    sectionKnown(routing.section);
  }
  const Envelope env = envelopeOf(message);
  std::size_t remaining = routing.members.size();
  for (const auto& member : routing.members) {
    Collection& c = *findCollection(member.collection);
    auto it = c.elements.find(member.index);
    if (it == c.elements.end()) {  // it moved: a copy follows it
      --remaining;
      forwardSectionCopy(c, member, routing, envelopeOf(message), payloadOf(message) + header,
                         env.payloadSize - header);
      continue;
    }
    InvokeContext ctx = InvokeContext::forSectionMember(
        env, payloadOf(message) + header, env.payloadSize - header,
        --remaining == 0 ? &message : nullptr,  // the last member may keep it
        routing.entryFor(member.collection), routing.section, member.position);
    if (ctx.entry == kNoEntry)
      throw std::logic_error("section broadcast names no entry method for collection " +
                             std::to_string(member.collection));
    invokeEntry(it->second.get(), ctx);
  }
}

}  // namespace charm
