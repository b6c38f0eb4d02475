// RuntimeFlags: the Charm++-style command-line flags (`+balancer GreedyLB`,
// `+LBPeriod 1.0`, `+LBOff`, `++quiet`, `+setcpuaffinity`, ...) that belong to the
// runtime, not to the program. They are taken out of the argument list the
// program sees; unknown ones get a warning, never a crash.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace charm {

class RuntimeFlags {
 public:
  // Removes the runtime flags (and their values) from `args`, remembering them.
  // Unknown flags are dropped with a warning on stderr when `warn` is set.
  std::vector<std::string> consume(const std::vector<std::string>& args, bool warn);

  // Flag name without the leading '+'s -> value ("" for switches).
  const std::map<std::string, std::string>& values() const { return values_; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace charm
