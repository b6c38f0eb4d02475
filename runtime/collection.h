// Collection: this PE's part of a chare collection (a singleton chare, a group, a
// dense N-d array or a sparse array filled by insertion): its creation parameters,
// the elements living here and the per-collection state of broadcasts and
// reductions. Also the default array map (block distribution of the row-major
// linearised index space) and the home of sparse elements (a hash of the index,
// unless the array has a custom map).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "charm/callback.h"
#include "charm/detail/collection_spec.h"
#include "charm/chare_base.h"
#include "charm/detail/envelope.h"
#include "charm/index.h"
#include "charm/detail/message.h"
#include "charm/pup.h"
#include "charm/reducer.h"

namespace charm {

class EmbeddingHooks;

// A sparse array's insertion state on one PE (see runtime_insertion.cc).
struct InsertionState {
  // Indices inserted with this PE as their home (duplicates are refused here).
  std::unordered_set<ArrayIndex, ArrayIndexHash> homed;
  // Every PE: ckDoneInserting has completed (counts known); later insertions fail.
  bool done = false;
  // PE 0: a ckDoneInserting is waiting for quiescence or counting; broadcasts to
  // the array wait meanwhile, so they reach every element inserted before it.
  bool closing = false;
  bool counting = false;
  bool countAgain = false;  // another ckDoneInserting arrived during counting
  // Counting: per-PE homed counts of this PE's subtree, and children yet to report.
  std::vector<std::uint64_t> counts;
  int reportsMissing = 0;
};

class Collection {
 public:
  // `embedding` places the elements of arrays whose spec names a map (custom maps
  // are the embedding's, e.g. Python ArrayMap groups: EmbeddingHooks::arrayMapPe).
  Collection(CollectionId id, const CollectionSpec& spec, int numPes, EmbeddingHooks* embedding = nullptr);

  CollectionId id() const { return id_; }
  const CollectionSpec& spec() const { return spec_; }
  CollectionKind kind() const { return spec_.kind; }
  std::uint64_t totalElements() const { return total_; }

  // The home PE of an element: where the map puts it (a custom map, else the
  // default block map, or for a sparse array without a map a hash of the index).
  int peOf(const ArrayIndex& index) const;
  // Indices of the elements the map places on `pe`, in index order.
  std::vector<ArrayIndex> indicesOn(int pe) const;
  // Number of elements on each PE (for the reduction tree).
  std::uint64_t elementsOnPe(int pe) const { return elementsPerPe_[static_cast<std::size_t>(pe)]; }
  // False for a sparse array until ckDoneInserting has counted its elements:
  // reductions over it wait until then.
  bool sizeKnown() const { return sizeKnown_; }
  // Sparse arrays: the number of elements homed on each PE, once insertion ended.
  void setElementCounts(const std::vector<std::uint64_t>& perPe);

  std::unordered_map<ArrayIndex, std::unique_ptr<ChareBase>, ArrayIndexHash> elements;

  // Broadcast root only: the number the next broadcast gets.
  std::uint32_t nextBroadcast = 0;
  // Children (in the reduction tree) whose subtree holds elements: they each send
  // one partial per reduction.
  int expectedChildPartials = 0;
  // The elements whose home is this PE (where the map placed them), in index
  // order: this PE delivers them every broadcast and counts their contributions,
  // wherever they live now.
  std::vector<ArrayIndex> homeIndices;
  // The number of the next collection broadcast this PE will hand to the
  // elements it is home to (an element inserted now starts there).
  std::uint32_t nextHomeBroadcast = 0;
  // Sparse arrays only.
  std::unique_ptr<InsertionState> insertion;

 private:
  CollectionId id_;
  CollectionSpec spec_;
  int numPes_;
  EmbeddingHooks* customMap_;  // non-null only for an array with a custom map
  std::uint64_t total_ = 0;
  std::vector<std::uint64_t> elementsPerPe_;
  bool sizeKnown_ = true;
};

}  // namespace charm
