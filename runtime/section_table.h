// SectionTable: what this PE knows of sections, by id: the spec, the distinct
// member PEs (the root first, then ascending), this PE's place in the section's
// reduction tree, its local members, each member's position, and at the root the
// number the next broadcast gets. A PE learns a section when it creates one or
// when a contribution, a broadcast or the embedded layer hands it the spec.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "runtime/element_key.h"
#include "charm/section.h"

namespace charm {

class SectionInfo {
 public:
  SectionInfo(SectionSpec spec, int myPe, int branching);
  // What a member PE learns from a routed broadcast before it sees the spec: the
  // member PEs (root first) and how many members it holds. Enough to reduce the
  // broadcast's replies; not for positionOf or size, which need the spec.
  SectionInfo(SectionId id, std::vector<int> pes, std::uint64_t localMembers, int myPe, int branching);

  // False for an entry made from a routed broadcast (no member list yet).
  bool complete() const { return complete_; }

  const SectionSpec& spec() const { return spec_; }
  SectionId id() const { return spec_.id; }
  int root() const { return spec_.root; }
  std::uint64_t size() const { return spec_.members.size(); }
  // Distinct PEs holding members; pes()[0] is the root (which may hold none).
  const std::vector<int>& pes() const { return pes_; }
  // Members living on `pe`, in section order, with their positions.
  std::vector<SectionRouting::LocalMember> membersOn(int pe) const;
  std::uint64_t localMembers() const { return localMembers_; }
  // This PE in the section's reduction tree (a k-ary tree over pes()): parent PE
  // (-1 at the root or when this PE is not in the tree) and number of children.
  int parentPe() const { return parentPe_; }
  int numChildren() const { return numChildren_; }
  // Position of a member in the section order; throws std::invalid_argument when
  // the element is not a member.
  std::uint32_t positionOf(CollectionId collection, const ArrayIndex& index) const;

  std::uint32_t nextBroadcast = 0;  // root only

 private:
  void placeInTree(int myPe, int branching);

  SectionSpec spec_;
  bool complete_ = true;
  std::vector<int> pes_;
  std::uint64_t localMembers_ = 0;
  int parentPe_ = -1;
  int numChildren_ = 0;
  std::unordered_map<ElementKey, std::uint32_t, ElementKeyHash> positions_;
};

class SectionTable {
 public:
  SectionTable(int myPe, int numPes, int branching) : myPe_(myPe), numPes_(numPes), branching_(branching) {}

  // A new section id, unique without communication.
  SectionId newId();
  // Records `spec` (again: no change) and returns what this PE derives from it.
  // Throws std::invalid_argument for an empty section, a member PE or root out of
  // range, a duplicate member, or a different spec under a known id.
  const SectionInfo& add(SectionSpec spec);
  // Records what a routed broadcast says of a section this PE does not know yet.
  const SectionInfo& addFromRouting(const SectionRouting& routing);
  SectionInfo* find(SectionId id);
  // Forgets the sections with members in `collection` (destroyed) and returns their ids.
  std::vector<SectionId> removeCollection(CollectionId collection);

 private:
  int myPe_;
  int numPes_;
  int branching_;
  std::uint32_t nextCounter_ = 0;
  std::unordered_map<SectionId, std::unique_ptr<SectionInfo>> sections_;
};

}  // namespace charm
