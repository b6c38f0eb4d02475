// CollectionSpec and the array index arithmetic: what a CreateCollection message
// carries besides the constructor arguments, and where the default map and the
// sparse-array hash place an element. Public (detail) because the proxies' inline
// create(), operator[] and sections compute them at the call, with no trip into
// the runtime; defined in runtime/collection.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "charm/detail/envelope.h"
#include "charm/index.h"
#include "charm/pup.h"

namespace charm {

enum class CollectionKind : std::uint8_t { Singleton, Group, Array };

// What a CreateCollection message carries besides the constructor arguments.
struct CollectionSpec {
  CollectionKind kind = CollectionKind::Array;
  EntryId constructor = kNoEntry;
  ArrayIndex dims;         // arrays: the extent of every dimension
  std::int32_t onPe = -1;  // singletons: where the chare lives
  CollectionId arrayMap = 0;  // arrays: the map (a group) placing elements; 0 = default map
  std::vector<std::int32_t> onPes;  // groups: the PEs with an element (empty = every PE)
  bool useAtSync = false;           // arrays: elements call AtSync() for load balancing
  // Arrays: created empty and filled by insertion; `dims` then holds the number
  // of dimensions and zero extents.
  bool sparse = false;

  void pup(Pup& p) {
    p | kind;
    p | constructor;
    p | dims;
    p | onPe;
    p | arrayMap;
    p | onPes;
    p | useAtSync;
    p | sparse;
  }
};

// Number of elements of an array with extents `dims`.
std::uint64_t elementCount(const ArrayIndex& dims);
// Row-major position of `index` in `dims`; `index` must be in range.
std::uint64_t linearize(const ArrayIndex& index, const ArrayIndex& dims);
// The inverse of linearize.
ArrayIndex delinearize(std::uint64_t position, const ArrayIndex& dims);
// Throws std::out_of_range naming the index and the extents when `index` is not
// inside `dims` (or has another number of dimensions).
void checkIndexInRange(const ArrayIndex& index, const ArrayIndex& dims);
// Checks extents given by a user: 1 to 6 dimensions, each >= 1.
void checkDims(const ArrayIndex& dims);
// The default map: contiguous blocks of the linearised index space per PE.
int defaultMapPe(const ArrayIndex& index, const ArrayIndex& dims, int numPes);
// The home PE of element `index` of a sparse array without a custom map: a hash
// of the index (all of its dimensions) modulo the number of PEs, the same on
// every PE.
int sparseHomePe(const ArrayIndex& index, int numPes);
// The extents a sparse array of `ndims` dimensions records (ndims, all zero).
ArrayIndex sparseDims(int ndims);
// Whether `dims` are a sparse array's (zero extents).
inline bool isSparseDims(const ArrayIndex& dims) { return dims.ndims >= 1 && dims[0] == 0; }

}  // namespace charm
