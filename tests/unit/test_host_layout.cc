// Unit tests of HostLayout (which PEs share a host) and of hwloc's core count.
#include <catch2/catch.hpp>

#include <vector>

#include "comm/host_layout.h"
#include "runtime/cpu_affinity.h"

using charm::comm::HostLayout;

TEST_CASE("hosts are numbered by their lowest PE and list their PEs in order", "[host_layout]") {
  // PEs 0,2,4 share a host led by PE 0; PEs 1,3 one led by PE 1; PE 5 is alone.
  const std::vector<int> leaders{0, 1, 0, 1, 0, 5};
  const HostLayout layout = HostLayout::fromHostLeaders(leaders, 3);
  CHECK(layout.numHosts() == 3);
  CHECK(layout.myHost == 1);
  CHECK(layout.hostOfPe == std::vector<int>{0, 1, 0, 1, 0, 2});
  CHECK(layout.pesOnHost[0] == std::vector<int>{0, 2, 4});
  CHECK(layout.pesOnHost[1] == std::vector<int>{1, 3});
  CHECK(layout.pesOnHost[2] == std::vector<int>{5});
}

TEST_CASE("a single-host layout puts every PE on host 0", "[host_layout]") {
  const HostLayout layout = HostLayout::singleHost(4, 2);
  CHECK(layout.numHosts() == 1);
  CHECK(layout.myHost == 0);
  CHECK(layout.pesOnHost[0] == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("a host layout refuses a PE outside the job", "[host_layout]") {
  CHECK_THROWS_AS(HostLayout::fromHostLeaders({0, 0}, 2), std::out_of_range);
}

TEST_CASE("hwloc reports the cores of this host for the load balancer", "[host_layout]") {
  CHECK(charm::coresOnThisHost() >= 1);
}
