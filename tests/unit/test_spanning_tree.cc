// Unit tests of charm::SpanningTree: structural properties for many sizes, roots
// and branching factors, and argument checking.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

#include "runtime/spanning_tree.h"

namespace {

// Smallest d with k^d >= n (ceil(log_k(n))), for k >= 2.
int ceilLog(int n, int k) {
  int d = 0;
  long long reach = 1;
  while (reach < n) {
    reach *= k;
    ++d;
  }
  return d;
}

}  // namespace

TEST_CASE("every PE is reached from the root exactly once, with consistent parents", "[spanning_tree]") {
  for (int branching : {2, 4}) {
    for (int n = 1; n <= 65; ++n) {
      for (int root : {0, 1, n / 2, n - 1, n + 3}) {
        if (root >= n) continue;
        INFO("n=" << n << " root=" << root << " k=" << branching);
        const charm::SpanningTree tree(n, root, branching);
        CHECK(tree.root() == root);
        CHECK(tree.parent(root) == -1);

        int maxDepth = 0;
        for (int pe = 0; pe < n; ++pe) {
          CHECK(tree.numChildren(pe) <= branching);
          CHECK(tree.isLeaf(pe) == (tree.numChildren(pe) == 0));
          if (pe != root) {
            const int parent = tree.parent(pe);
            REQUIRE(parent >= 0);
            REQUIRE(parent < n);
            bool listed = false;
            for (int i = 0; i < tree.numChildren(parent); ++i) listed |= tree.child(parent, i) == pe;
            CHECK(listed);
          }
          int i = 0;
          for (int child : tree.children(pe)) {
            CHECK(child == tree.child(pe, i++));
            CHECK(tree.parent(child) == pe);
          }
          CHECK(i == tree.numChildren(pe));
          maxDepth = std::max(maxDepth, tree.depth(pe));
        }
        CHECK(maxDepth <= ceilLog(n, branching) + 1);

        // Walk down from the root: every PE seen exactly once.
        std::vector<int> seen(static_cast<std::size_t>(n), 0);
        std::vector<int> frontier{root};
        while (!frontier.empty()) {
          const int pe = frontier.back();
          frontier.pop_back();
          ++seen[static_cast<std::size_t>(pe)];
          for (int child : tree.children(pe)) frontier.push_back(child);
        }
        for (int pe = 0; pe < n; ++pe) CHECK(seen[static_cast<std::size_t>(pe)] == 1);
      }
    }
  }
}

TEST_CASE("the tree is the k-ary heap layout relabelled around the root", "[spanning_tree]") {
  const charm::SpanningTree tree(10, 3, 2);
  // Relative numbering: pe' = (pe - 3 + 10) % 10. Root 3 has children 4 and 5.
  CHECK(tree.numChildren(3) == 2);
  CHECK(tree.child(3, 0) == 4);
  CHECK(tree.child(3, 1) == 5);
  CHECK(tree.parent(6) == 4);  // 6' = 3 -> parent' 1 -> PE 4
  CHECK(tree.parent(2) == 7);  // 2' = 9 -> parent' 4 -> PE 7
}

TEST_CASE("a single PE is a root and a leaf", "[spanning_tree]") {
  const charm::SpanningTree tree(1, 0);
  CHECK(tree.parent(0) == -1);
  CHECK(tree.isLeaf(0));
  CHECK(tree.children(0).empty());
  CHECK(tree.depth(0) == 0);
}

TEST_CASE("branching 1 makes a chain", "[spanning_tree]") {
  const charm::SpanningTree tree(5, 2, 1);
  CHECK(tree.child(2, 0) == 3);
  CHECK(tree.child(4, 0) == 0);
  CHECK(tree.isLeaf(1));
  CHECK(tree.depth(1) == 4);
}

TEST_CASE("large trees do not overflow", "[spanning_tree]") {
  const int n = 2'000'000'000;
  const charm::SpanningTree tree(n, n - 1, 64);
  CHECK(tree.parent(n - 1) == -1);
  CHECK(tree.isLeaf(n - 2));
  CHECK(tree.numChildren(0) == 64);
}

TEST_CASE("bad arguments are rejected with clear errors", "[spanning_tree]") {
  CHECK_THROWS_AS(charm::SpanningTree(0, 0), std::invalid_argument);
  CHECK_THROWS_AS(charm::SpanningTree(4, 4), std::invalid_argument);
  CHECK_THROWS_AS(charm::SpanningTree(4, -1), std::invalid_argument);
  CHECK_THROWS_WITH(charm::SpanningTree(4, 0, 0), Catch::Contains("branching"));
  const charm::SpanningTree tree(4, 0);
  CHECK_THROWS_AS(tree.parent(4), std::out_of_range);
  CHECK_THROWS_AS(tree.child(0, 3), std::out_of_range);
  CHECK_THROWS_AS(tree.children(-1), std::out_of_range);
}
