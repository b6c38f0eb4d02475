#include "runtime/cpu_affinity.h"

#include <hwloc.h>

#include <algorithm>

namespace charm {

std::string bindToCore(const comm::HostLayout& hosts, int myPe) {
  const auto& peers = hosts.pesOnHost.at(static_cast<std::size_t>(hosts.myHost));
  const int rankOnHost =
      static_cast<int>(std::find(peers.begin(), peers.end(), myPe) - peers.begin());
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return "hwloc_topology_init failed";
  std::string result;
  if (hwloc_topology_load(topology) == 0) {
    const int cores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    hwloc_obj_t core = cores > 0 ? hwloc_get_obj_by_type(topology, HWLOC_OBJ_CORE,
                                                         static_cast<unsigned>(rankOnHost % cores))
                                 : nullptr;
    if (!core) {
      result = "no cores found by hwloc";
    } else if (hwloc_set_cpubind(topology, core->cpuset, HWLOC_CPUBIND_PROCESS) != 0) {
      result = "hwloc_set_cpubind failed";
    } else {
      result = "bound to core " + std::to_string(core->logical_index) + " of " +
               std::to_string(cores);
    }
  } else {
    result = "hwloc_topology_load failed";
  }
  hwloc_topology_destroy(topology);
  return result;
}

int coresOnThisHost() {
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return 0;
  int cores = 0;
  if (hwloc_topology_load(topology) == 0) cores = std::max(0, hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE));
  hwloc_topology_destroy(topology);
  return cores;
}

}  // namespace charm
