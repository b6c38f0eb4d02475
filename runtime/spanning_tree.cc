#include "runtime/spanning_tree.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace charm {

SpanningTree::SpanningTree(int numPes, int root, int branching)
    : numPes_(numPes), root_(root), branching_(branching) {
  if (numPes < 1)
    throw std::invalid_argument("charm::SpanningTree: numPes must be at least 1, got " +
                                std::to_string(numPes));
  if (root < 0 || root >= numPes)
    throw std::invalid_argument("charm::SpanningTree: root " + std::to_string(root) +
                                " is not a PE in [0, " + std::to_string(numPes) + ")");
  if (branching < 1)
    throw std::invalid_argument("charm::SpanningTree: branching factor must be at least 1, got " +
                                std::to_string(branching));
}

long long SpanningTree::toRelative(int pe) const {
  if (pe < 0 || pe >= numPes_)
    throw std::out_of_range("charm::SpanningTree: PE " + std::to_string(pe) +
                            " is not in [0, " + std::to_string(numPes_) + ")");
  return (static_cast<long long>(pe) - root_ + numPes_) % numPes_;
}

int SpanningTree::childCountRelative(long long relative) const noexcept {
  // 64-bit arithmetic: relative * branching can exceed int for large trees.
  const long long first = firstChildRelative(relative);
  if (first >= numPes_) return 0;
  return static_cast<int>(std::min<long long>(branching_, numPes_ - first));
}

int SpanningTree::parent(int pe) const {
  const long long relative = toRelative(pe);
  if (relative == 0) return -1;
  return fromRelative((relative - 1) / branching_);
}

int SpanningTree::numChildren(int pe) const { return childCountRelative(toRelative(pe)); }

int SpanningTree::child(int pe, int i) const {
  const long long relative = toRelative(pe);
  const int count = childCountRelative(relative);
  if (i < 0 || i >= count)
    throw std::out_of_range("charm::SpanningTree: PE " + std::to_string(pe) + " has " +
                            std::to_string(count) + " children, asked for child " +
                            std::to_string(i));
  return fromRelative(firstChildRelative(relative) + i);
}

int SpanningTree::depth(int pe) const {
  long long relative = toRelative(pe);
  int edges = 0;
  while (relative != 0) {
    relative = (relative - 1) / branching_;
    ++edges;
  }
  return edges;
}

SpanningTree::ChildRange SpanningTree::children(int pe) const {
  const long long relative = toRelative(pe);
  return ChildRange(this, firstChildRelative(relative), childCountRelative(relative));
}

}  // namespace charm
