// CPU affinity (`+setcpuaffinity`): binds this PE's process to one core of its
// host, chosen by its rank among the PEs of that host, using hwloc's view of the
// machine. Without the flag the OS places processes freely.
#pragma once

#include <string>

#include "comm/host_layout.h"

namespace charm {

// Binds the calling process to core (rank on host) % (cores of the host).
// Returns a description of what was done (for the startup banner), or an
// explanation when binding was not possible (never fatal).
std::string bindToCore(const comm::HostLayout& hosts, int myPe);
// Cores of the calling process's host as hwloc sees them (0 when unknown).
int coresOnThisHost();

}  // namespace charm
