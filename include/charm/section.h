// Section: an ordered subset of the elements of one or more collections (made by
// splitting, slicing or combining proxies, or by creating a group on some PEs).
// A section is described once by its creator (the spec: every member with the PE
// it lives on) and named by a SectionId unique without communication. Broadcasts
// to a section go through its root PE (the creator), which numbers them so every
// member sees them in the same order, then send one message per member PE.
// Reductions over a section travel up a spanning tree of the member PEs rooted at
// the root. SectionTable (section_table.h) keeps what this PE knows of sections.
#pragma once

#include <cstdint>
#include <vector>

#include "charm/detail/envelope.h"
#include "charm/index.h"
#include "charm/pup.h"

namespace charm {

// (creator PE << 32) | creator's counter, with the top bit set so that section
// ids and collection ids never collide where both name a reduction's scope.
using SectionId = std::uint64_t;
inline constexpr SectionId kSectionIdBit = std::uint64_t{1} << 63;
inline constexpr bool isSectionId(std::uint64_t scope) { return (scope & kSectionIdBit) != 0; }

struct SectionMember {
  CollectionId collection = 0;
  ArrayIndex index;
  std::int32_t pe = -1;  // where the element lives
  void pup(Pup& p) {
    p | collection;
    p | index;
    p | pe;
  }
  friend bool operator==(const SectionMember& a, const SectionMember& b) {
    return a.collection == b.collection && a.index == b.index;
  }
};

struct SectionSpec {
  SectionId id = 0;
  std::int32_t root = 0;                // the creator: numbers broadcasts, roots reductions
  std::vector<SectionMember> members;   // in section order (gather results follow it)
  void pup(Pup& p) {
    p | id;
    p | root;
    p | members;
  }
};

// What a section broadcast carries in front of the caller's payload: the entry
// to call per collection (a combined section may span several classes) and, once
// the root has routed it, the members on the receiving PE with their positions.
struct SectionRouting {
  struct Entry {
    CollectionId collection = 0;
    EntryId entry = kNoEntry;
    void pup(Pup& p) {
      p | collection;
      p | entry;
    }
  };
  struct LocalMember {
    CollectionId collection = 0;
    ArrayIndex index;
    std::uint32_t position = 0;  // in the section's member order
    void pup(Pup& p) {
      p | collection;
      p | index;
      p | position;
    }
  };
  SectionId section = 0;
  std::vector<Entry> entries;
  std::vector<LocalMember> members;
  // The section's member PEs, root first: enough for a PE that holds members but
  // has not seen the section's spec to take part in reductions of replies.
  std::vector<std::int32_t> pes;
  void pup(Pup& p) {
    p | section;
    p | entries;
    p | members;
    p | pes;
  }
  EntryId entryFor(CollectionId collection) const {
    for (const Entry& e : entries)
      if (e.collection == collection) return e.entry;
    return kNoEntry;
  }
};

}  // namespace charm
