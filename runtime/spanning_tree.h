// SpanningTree: the k-ary tree over PEs 0..n-1 along which broadcasts travel down
// and reduction partials travel up. The tree is computed, not stored: PEs are
// relabelled so that `root` becomes 0 (pe' = (pe - root + n) % n), and in that
// numbering the parent of pe' is (pe' - 1) / k and its children are
// k*pe' + 1 .. k*pe' + k (those below n). Any PE can therefore ask about any
// other PE in O(1) without communication or allocation, and the object is cheap
// to copy.
#pragma once

#include <cstddef>
#include <iterator>

namespace charm {

class SpanningTree {
 public:
  // Throws std::invalid_argument unless numPes >= 1, 0 <= root < numPes and
  // branching >= 1.
  SpanningTree(int numPes, int root, int branching = 4);

  int numPes() const noexcept { return numPes_; }
  int root() const noexcept { return root_; }
  int branching() const noexcept { return branching_; }

  // The parent of `pe`, or -1 for the root. Queries about a PE outside
  // [0, numPes) throw std::out_of_range.
  int parent(int pe) const;
  int numChildren(int pe) const;
  // The i-th child of `pe`, 0 <= i < numChildren(pe).
  int child(int pe, int i) const;
  bool isLeaf(int pe) const { return numChildren(pe) == 0; }
  // Number of edges between `pe` and the root.
  int depth(int pe) const;

  // The children of one PE as an allocation-free range:
  // `for (int c : tree.children(pe)) send(c, ...)`.
  class ChildRange {
   public:
    class Iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using value_type = int;
      using difference_type = std::ptrdiff_t;
      using pointer = void;
      using reference = int;

      Iterator() = default;
      int operator*() const noexcept { return tree_->fromRelative(relative_); }
      Iterator& operator++() noexcept {
        ++relative_;
        return *this;
      }
      Iterator operator++(int) noexcept {
        Iterator before = *this;
        ++relative_;
        return before;
      }
      friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
        return a.relative_ == b.relative_;
      }

     private:
      friend class ChildRange;
      Iterator(const SpanningTree* tree, long long relative) : tree_(tree), relative_(relative) {}
      const SpanningTree* tree_ = nullptr;
      long long relative_ = 0;  // relabelled PE number of the current child
    };

    Iterator begin() const noexcept { return Iterator(tree_, first_); }
    Iterator end() const noexcept { return Iterator(tree_, first_ + count_); }
    int size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }

   private:
    friend class SpanningTree;
    ChildRange(const SpanningTree* tree, long long first, int count)
        : tree_(tree), first_(first), count_(count) {}
    const SpanningTree* tree_;
    long long first_;
    int count_;
  };

  // The range refers to this tree, which must outlive it.
  ChildRange children(int pe) const;

 private:
  long long toRelative(int pe) const;  // checks pe
  int fromRelative(long long relative) const noexcept {
    return static_cast<int>((relative + root_) % numPes_);
  }
  // Relabelled number of the first child of relative PE r, and how many it has.
  long long firstChildRelative(long long relative) const noexcept {
    return relative * branching_ + 1;
  }
  int childCountRelative(long long relative) const noexcept;

  int numPes_;
  int root_;
  int branching_;
};

}  // namespace charm
