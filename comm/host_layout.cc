// HostLayout construction; see host_layout.h.
#include "comm/host_layout.h"

#include <map>
#include <stdexcept>
#include <string>

namespace charm::comm {

HostLayout HostLayout::singleHost(int numPes, int myPe) {
  return fromHostLeaders(std::vector<int>(static_cast<std::size_t>(numPes), 0), myPe);
}

HostLayout HostLayout::fromHostLeaders(const std::vector<int>& leaderOfPe, int myPe) {
  if (myPe < 0 || static_cast<std::size_t>(myPe) >= leaderOfPe.size())
    throw std::out_of_range("HostLayout: PE " + std::to_string(myPe) + " outside of " +
                            std::to_string(leaderOfPe.size()) + " PEs");
  HostLayout layout;
  layout.hostOfPe.resize(leaderOfPe.size());
  // PEs are visited in ascending order, so hosts get numbered by their lowest PE
  // and each host's PE list comes out sorted.
  std::map<int, int> hostOfLeader;
  for (std::size_t pe = 0; pe < leaderOfPe.size(); ++pe) {
    auto [it, isNew] = hostOfLeader.try_emplace(leaderOfPe[pe], layout.numHosts());
    if (isNew) layout.pesOnHost.emplace_back();
    layout.hostOfPe[pe] = it->second;
    layout.pesOnHost[static_cast<std::size_t>(it->second)].push_back(static_cast<int>(pe));
  }
  layout.myHost = layout.hostOfPe[static_cast<std::size_t>(myPe)];
  return layout;
}

}  // namespace charm::comm
