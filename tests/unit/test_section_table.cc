// Unit tests of charm::SectionInfo / SectionTable: the member PEs (root first),
// the reduction tree over them as every PE sees it (one parent each, children
// counts consistent, the root at the top, a root holding no members), positions
// in section order, bad specs, entries learnt from a routed broadcast and their
// upgrade when the spec arrives. Also a section broadcast and reduction over
// in-process PEs.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <stdexcept>
#include <vector>

#include "in_process_job.h"
#include "charm.h"
#include "runtime/section_table.h"

namespace {

charm::SectionSpec specOver(int root, const std::vector<int>& memberPes, std::uint32_t counter = 0) {
  charm::SectionSpec spec;
  spec.id = charm::kSectionIdBit | (static_cast<charm::SectionId>(root) << 32) | counter;
  spec.root = root;
  for (std::size_t i = 0; i < memberPes.size(); ++i)
    spec.members.push_back({7, charm::ArrayIndex::of1d(static_cast<int>(i)), memberPes[i]});
  return spec;
}

}  // namespace

TEST_CASE("a section's reduction tree spans its member PEs once, rooted at the root", "[section]") {
  for (int numPes : {1, 2, 5, 17, 40}) {
    for (int root : {0, numPes - 1, numPes / 2}) {
      std::vector<int> memberPes;
      for (int pe = numPes - 1; pe >= 0; pe -= 3) memberPes.push_back(pe);
      memberPes.push_back(memberPes.front());  // two members on one PE
      INFO("numPes=" << numPes << " root=" << root);
      std::map<int, int> childrenSeen;
      int expectedNodes = 0;
      for (int me = 0; me < numPes; ++me) {
        const charm::SectionInfo info(specOver(root, memberPes), me, 4);
        CHECK(info.pes().front() == root);
        expectedNodes = static_cast<int>(info.pes().size());
        const bool inTree = std::find(info.pes().begin(), info.pes().end(), me) != info.pes().end();
        if (!inTree) {
          CHECK(info.parentPe() == -1);
          CHECK(info.numChildren() == 0);
          continue;
        }
        if (me == root) CHECK(info.parentPe() == -1);
        else {
          CHECK(info.parentPe() >= 0);
          ++childrenSeen[info.parentPe()];
        }
        std::uint64_t local = 0;
        for (int pe : memberPes) local += pe == me;
        CHECK(info.localMembers() == local);
      }
      int totalChildren = 0;
      for (int me = 0; me < numPes; ++me) {
        const charm::SectionInfo info(specOver(root, memberPes), me, 4);
        CHECK(childrenSeen[me] == info.numChildren());
        totalChildren += info.numChildren();
      }
      CHECK(totalChildren == expectedNodes - 1);
    }
  }
}

TEST_CASE("positions follow the section order; non-members and bad specs are refused", "[section]") {
  charm::SectionTable table(1, 4, 4);
  charm::SectionSpec spec = specOver(1, {3, 0, 2});
  std::swap(spec.members[0].index, spec.members[2].index);  // indices 2, 1, 0
  const charm::SectionInfo& info = table.add(spec);
  CHECK(info.positionOf(7, charm::ArrayIndex::of1d(2)) == 0);
  CHECK(info.positionOf(7, charm::ArrayIndex::of1d(0)) == 2);
  CHECK_THROWS_AS(info.positionOf(8, charm::ArrayIndex::of1d(0)), std::invalid_argument);
  CHECK(&table.add(spec) == &info);  // the same again: no change

  charm::SectionSpec other = spec;
  other.members.pop_back();
  CHECK_THROWS_AS(table.add(other), std::invalid_argument);  // another spec under a known id
  CHECK_THROWS_AS(table.add(specOver(1, {}, 5)), std::invalid_argument);
  CHECK_THROWS_AS(table.add(specOver(1, {0, 4}, 6)), std::invalid_argument);
  charm::SectionSpec twice = specOver(1, {0, 1}, 7);
  twice.members[1].index = twice.members[0].index;
  CHECK_THROWS_AS(table.add(twice), std::invalid_argument);
  CHECK(table.newId() != table.newId());
  CHECK(charm::isSectionId(table.newId()));
}

TEST_CASE("a PE that learnt a section from a broadcast reduces over it, and takes the spec later", "[section]") {
  charm::SectionTable table(2, 8, 4);
  const charm::SectionSpec spec = specOver(0, {2, 5, 2, 7});
  charm::SectionRouting routing;
  routing.section = spec.id;
  routing.members = {{7, charm::ArrayIndex::of1d(0), 0}, {7, charm::ArrayIndex::of1d(2), 2}};
  routing.pes = {0, 2, 5, 7};
  const charm::SectionInfo& partial = table.addFromRouting(routing);
  CHECK_FALSE(partial.complete());
  CHECK(partial.localMembers() == 2);
  CHECK(partial.parentPe() == 0);
  CHECK_THROWS_AS(partial.positionOf(7, charm::ArrayIndex::of1d(0)), std::logic_error);
  const charm::SectionInfo& full = table.add(spec);
  CHECK(full.complete());
  CHECK(full.localMembers() == 2);
  CHECK(full.positionOf(7, charm::ArrayIndex::of1d(2)) == 2);
}

namespace {
std::atomic<int> sectionHits{0};

class Tile : public charm::ArrayElement<Tile> {
 public:
  void hit(charm::SectionProxy<Tile> section, charm::Future<int> f) {
    sectionHits.fetch_add(1);
    contribute(thisIndex()[0], charm::reducer::sum, f.callback(), section.id());
  }
};
}  // namespace

TEST_CASE("a section broadcast and reduction over in-process PEs", "[section]") {
  sectionHits = 0;
  int result = -1;
  const auto codes = runInProcessJob(3, [&] {
    auto tiles = charm::ArrayProxy<Tile>::create({10});
    auto section = charm::SectionProxy<Tile>::create(
        tiles, {charm::ArrayIndex::of1d(9), charm::ArrayIndex::of1d(4), charm::ArrayIndex::of1d(1)});
    auto f = charm::Future<int>::make();
    section.broadcast<&Tile::hit>(section, f);
    result = f.get();
    charm::exit(0);
  });
  CHECK(codes == std::vector<int>{0, 0, 0});
  CHECK(result == 14);
  CHECK(sectionHits.load() == 3);
}
