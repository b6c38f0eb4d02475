#include "runtime/collection.h"

#include <stdexcept>
#include <string>

#include "runtime/embedding_hooks.h"

namespace charm {

std::uint64_t elementCount(const ArrayIndex& dims) {
  std::uint64_t n = 1;
  for (int d = 0; d < dims.ndims; ++d) n *= static_cast<std::uint64_t>(dims[d]);
  return n;
}

std::uint64_t linearize(const ArrayIndex& index, const ArrayIndex& dims) {
  std::uint64_t pos = 0;
  for (int d = 0; d < dims.ndims; ++d)
    pos = pos * static_cast<std::uint64_t>(dims[d]) + static_cast<std::uint64_t>(index[d]);
  return pos;
}

ArrayIndex delinearize(std::uint64_t position, const ArrayIndex& dims) {
  ArrayIndex index;
  index.ndims = dims.ndims;
  for (int d = dims.ndims - 1; d >= 0; --d) {
    const auto extent = static_cast<std::uint64_t>(dims[d]);
    index[d] = static_cast<std::int32_t>(position % extent);
    position /= extent;
  }
  return index;
}

void checkDims(const ArrayIndex& dims) {
  if (dims.ndims < 1 || dims.ndims > kMaxIndexDims)
    throw std::invalid_argument("charm: an array has 1 to 6 dimensions, got " +
                                std::to_string(dims.ndims));
  for (int d = 0; d < dims.ndims; ++d)
    if (dims[d] < 1)
      throw std::invalid_argument("charm: array extents must be >= 1, got " + dims.toString());
}

void checkIndexInRange(const ArrayIndex& index, const ArrayIndex& dims) {
  bool ok = index.ndims == dims.ndims;
  for (int d = 0; ok && d < dims.ndims; ++d) ok = index[d] >= 0 && index[d] < dims[d];
  if (!ok)
    throw std::out_of_range("charm: array index " + index.toString() +
                            " is out of range for an array of extents " + dims.toString());
}

int defaultMapPe(const ArrayIndex& index, const ArrayIndex& dims, int numPes) {
  const std::uint64_t total = elementCount(dims);
  const std::uint64_t pos = linearize(index, dims);
  // Block distribution: PE p holds the positions pos with floor(pos*n/total) == p,
  // i.e. contiguous runs of total/n (rounded) elements.
  return static_cast<int>(pos * static_cast<std::uint64_t>(numPes) / total);
}

int sparseHomePe(const ArrayIndex& index, int numPes) {
  // splitmix64 over the dimensions: neighbouring indices land on unrelated PEs,
  // and every PE computes the same home without a table.
  std::uint64_t h = 0x243F6A8885A308D3ull + static_cast<std::uint64_t>(index.ndims);
  for (int d = 0; d < index.ndims; ++d) {
    h += static_cast<std::uint64_t>(static_cast<std::uint32_t>(index[d])) + 0x9E3779B97F4A7C15ull;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(numPes));
}

ArrayIndex sparseDims(int ndims) {
  if (ndims < 1 || ndims > kMaxIndexDims)
    throw std::invalid_argument("charm: a sparse array has 1 to 6 dimensions, got " + std::to_string(ndims));
  ArrayIndex dims;
  dims.ndims = ndims;
  return dims;
}

void Collection::setElementCounts(const std::vector<std::uint64_t>& perPe) {
  if (perPe.size() != elementsPerPe_.size())
    throw std::logic_error("charm: element counts for " + std::to_string(perPe.size()) + " PEs, not " +
                           std::to_string(elementsPerPe_.size()));
  elementsPerPe_ = perPe;
  total_ = 0;
  for (std::uint64_t n : perPe) total_ += n;
  sizeKnown_ = true;
}

Collection::Collection(CollectionId id, const CollectionSpec& spec, int numPes,
                       EmbeddingHooks* embedding)
    : id_(id),
      spec_(spec),
      numPes_(numPes),
      customMap_(spec.arrayMap != 0 ? embedding : nullptr),
      elementsPerPe_(static_cast<std::size_t>(numPes), 0) {
  if (spec_.kind == CollectionKind::Array && spec_.arrayMap != 0 && !customMap_)
    throw std::logic_error("charm: an array names a custom map but no map function is set");
  switch (spec_.kind) {
    case CollectionKind::Singleton:
      total_ = 1;
      elementsPerPe_[static_cast<std::size_t>(spec_.onPe)] = 1;
      break;
    case CollectionKind::Group:
      if (spec_.onPes.empty()) {
        total_ = static_cast<std::uint64_t>(numPes);
        for (auto& n : elementsPerPe_) n = 1;
        break;
      }
      for (const std::int32_t pe : spec_.onPes) {
        if (pe < 0 || pe >= numPes)
          throw std::out_of_range("charm: a group on PE " + std::to_string(pe) +
                                  ", which does not exist (0.." + std::to_string(numPes - 1) + ")");
        if (elementsPerPe_[static_cast<std::size_t>(pe)]++)
          throw std::invalid_argument("charm: PE " + std::to_string(pe) + " is named twice in a group's PEs");
      }
      total_ = spec_.onPes.size();
      break;
    case CollectionKind::Array:
      if (spec_.sparse) {  // filled by insertion; sized by ckDoneInserting
        if (!isSparseDims(spec_.dims)) throw std::invalid_argument("charm: a sparse array's dims have zero extents");
        insertion = std::make_unique<InsertionState>();
        sizeKnown_ = false;
        break;
      }
      total_ = elementCount(spec_.dims);
      for (std::uint64_t pos = 0; pos < total_; ++pos)
        ++elementsPerPe_[static_cast<std::size_t>(peOf(delinearize(pos, spec_.dims)))];
      break;
  }
}

int Collection::peOf(const ArrayIndex& index) const {
  switch (spec_.kind) {
    case CollectionKind::Singleton: return spec_.onPe;
    case CollectionKind::Group: return index[0];
    case CollectionKind::Array: break;
  }
  if (!customMap_) return spec_.sparse ? sparseHomePe(index, numPes_) : defaultMapPe(index, spec_.dims, numPes_);
  const int pe = customMap_->arrayMapPe(spec_.arrayMap, index, spec_.dims);
  if (pe < 0 || pe >= numPes_)
    throw std::out_of_range("charm: the array map placed element " + index.toString() +
                            " on PE " + std::to_string(pe) + ", which does not exist (0.." +
                            std::to_string(numPes_ - 1) + ")");
  return pe;
}

std::vector<ArrayIndex> Collection::indicesOn(int pe) const {
  std::vector<ArrayIndex> out;
  switch (spec_.kind) {
    case CollectionKind::Singleton:
      if (pe == spec_.onPe) out.push_back(ArrayIndex::of1d(0));
      break;
    case CollectionKind::Group:
      if (elementsPerPe_[static_cast<std::size_t>(pe)]) out.push_back(ArrayIndex::of1d(pe));
      break;
    case CollectionKind::Array:
      if (spec_.sparse) break;  // elements come by insertion
      for (std::uint64_t pos = 0; pos < total_; ++pos) {
        ArrayIndex idx = delinearize(pos, spec_.dims);
        if (peOf(idx) == pe) out.push_back(idx);
      }
      break;
  }
  return out;
}

}  // namespace charm
