// HostLayout: which PEs share a host (a shared-memory node). MpiTransport fills
// it at start-up from MPI_Comm_split_type(MPI_COMM_TYPE_SHARED); the in-process
// transport puts every PE on host 0. Hosts are numbered in the order of their
// lowest PE, so host 0 always holds PE 0.
#pragma once

#include <cstddef>
#include <vector>

namespace charm::comm {

struct HostLayout {
  int myHost = 0;                            // host of this PE
  std::vector<int> hostOfPe;                 // host index of every PE
  std::vector<std::vector<int>> pesOnHost;   // PEs of every host, ascending

  int numHosts() const noexcept { return static_cast<int>(pesOnHost.size()); }

  // All `numPes` PEs on one host (host 0).
  static HostLayout singleHost(int numPes, int myPe = 0);

  // Builds the layout from, for every PE, any PE id that names its host (for
  // instance the lowest PE on the same host), as gathered by MpiTransport.
  static HostLayout fromHostLeaders(const std::vector<int>& leaderOfPe, int myPe);
};

}  // namespace charm::comm
