#include "runtime/section_table.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace charm {

SectionInfo::SectionInfo(SectionSpec spec, int myPe, int branching) : spec_(std::move(spec)) {
  std::vector<int> others;
  for (std::uint32_t i = 0; i < spec_.members.size(); ++i) {
    const SectionMember& m = spec_.members[i];
    if (!positions_.emplace(ElementKey{m.collection, m.index}, i).second)
      throw std::invalid_argument("charm: element " + m.index.toString() + " of collection " +
                                  std::to_string(m.collection) + " is twice in section " +
                                  std::to_string(spec_.id & ~kSectionIdBit));
    if (m.pe == myPe) ++localMembers_;
    if (m.pe != spec_.root) others.push_back(m.pe);
  }
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  pes_.reserve(others.size() + 1);
  pes_.push_back(spec_.root);
  pes_.insert(pes_.end(), others.begin(), others.end());
  placeInTree(myPe, branching);
}

SectionInfo::SectionInfo(SectionId id, std::vector<int> pes, std::uint64_t localMembers, int myPe,
                         int branching)
    : complete_(false), pes_(std::move(pes)), localMembers_(localMembers) {
  spec_.id = id;
  spec_.root = pes_.empty() ? 0 : pes_[0];
  placeInTree(myPe, branching);
}

void SectionInfo::placeInTree(int myPe, int branching) {
  // The tree over positions in pes_: parent of i is (i-1)/k, children k*i+1..k*i+k.
  const auto me = std::find(pes_.begin(), pes_.end(), myPe);
  if (me != pes_.end()) {
    const auto i = static_cast<long long>(me - pes_.begin());
    const auto n = static_cast<long long>(pes_.size());
    parentPe_ = i == 0 ? -1 : pes_[static_cast<std::size_t>((i - 1) / branching)];
    const long long first = i * branching + 1;
    numChildren_ = static_cast<int>(std::clamp(n - first, 0LL, static_cast<long long>(branching)));
  }
}

std::vector<SectionRouting::LocalMember> SectionInfo::membersOn(int pe) const {
  std::vector<SectionRouting::LocalMember> out;
  for (std::uint32_t i = 0; i < spec_.members.size(); ++i)
    if (spec_.members[i].pe == pe) out.push_back({spec_.members[i].collection, spec_.members[i].index, i});
  return out;
}

std::uint32_t SectionInfo::positionOf(CollectionId collection, const ArrayIndex& index) const {
  if (!complete_)
    throw std::logic_error("charm: section " + std::to_string(spec_.id & ~kSectionIdBit) +
                           " is known here only from a broadcast; contribute with its proxy");
  auto it = positions_.find(ElementKey{collection, index});
  if (it == positions_.end())
    throw std::invalid_argument("charm: element " + index.toString() + " of collection " +
                                std::to_string(collection) + " is not a member of section " +
                                std::to_string(spec_.id & ~kSectionIdBit) +
                                "; only members contribute to a section's reductions");
  return it->second;
}

SectionId SectionTable::newId() {
  return kSectionIdBit | (static_cast<SectionId>(myPe_) << 32) | nextCounter_++;
}

const SectionInfo& SectionTable::addFromRouting(const SectionRouting& routing) {
  if (SectionInfo* known = find(routing.section)) return *known;
  if (routing.pes.empty()) throw std::invalid_argument("charm: a section broadcast without its PEs");
  std::vector<int> pes(routing.pes.begin(), routing.pes.end());
  auto info = std::make_unique<SectionInfo>(routing.section, std::move(pes), routing.members.size(), myPe_,
                                            branching_);
  return *sections_.emplace(routing.section, std::move(info)).first->second;
}

const SectionInfo& SectionTable::add(SectionSpec spec) {
  if (auto it = sections_.find(spec.id); it != sections_.end() && it->second->complete()) {
    const SectionSpec& known = it->second->spec();
    if (known.root != spec.root || known.members.size() != spec.members.size() ||
        !std::equal(known.members.begin(), known.members.end(), spec.members.begin()))
      throw std::invalid_argument("charm: section " + std::to_string(spec.id & ~kSectionIdBit) +
                                  " was described differently before");
    return *it->second;
  }
  if (!isSectionId(spec.id)) throw std::invalid_argument("charm: not a section id");
  if (spec.members.empty()) throw std::invalid_argument("charm: a section needs at least one member");
  if (spec.root < 0 || spec.root >= numPes_)
    throw std::invalid_argument("charm: section root PE " + std::to_string(spec.root) + " is out of range");
  for (const SectionMember& m : spec.members)
    if (m.pe < 0 || m.pe >= numPes_)
      throw std::invalid_argument("charm: section member " + m.index.toString() + " on PE " +
                                  std::to_string(m.pe) + ", which does not exist (0.." +
                                  std::to_string(numPes_ - 1) + ")");
  const SectionId id = spec.id;
  auto info = std::make_unique<SectionInfo>(std::move(spec), myPe_, branching_);
  std::unique_ptr<SectionInfo>& slot = sections_[id];
  if (slot) info->nextBroadcast = slot->nextBroadcast;  // a routed-broadcast entry gets its spec
  slot = std::move(info);
  return *slot;
}

SectionInfo* SectionTable::find(SectionId id) {
  auto it = sections_.find(id);
  return it == sections_.end() ? nullptr : it->second.get();
}

std::vector<SectionId> SectionTable::removeCollection(CollectionId collection) {
  std::vector<SectionId> removed;
  for (auto it = sections_.begin(); it != sections_.end();) {
    const auto& members = it->second->spec().members;
    const bool uses = std::any_of(members.begin(), members.end(),
                                  [collection](const SectionMember& m) { return m.collection == collection; });
    if (!uses) {
      ++it;
      continue;
    }
    removed.push_back(it->first);
    it = sections_.erase(it);
  }
  return removed;
}

}  // namespace charm
