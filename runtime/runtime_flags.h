// RuntimeFlags: the Charm++-style command-line flags (`+balancer GreedyLB`,
// `+LBPeriod 1.0`, `+LBOff`, `++quiet`, `+setcpuaffinity`, ...) that belong to the
// runtime, not to the program. They are taken out of the argument list the
// program sees; unknown ones get a warning, never a crash.
//
// Every load-balancing flag Charm++ reads is known here, so that programs written
// for Charm++ or charm4py (which often append `+LBCommOff`, `+LBObjOnly`, ... to
// sys.argv before charm.start) run unchanged. The table in runtime_flags.cc says,
// for each, whether it takes a value and, for those that change nothing here, why
// (printed once on PE 0 when the flag is given).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace charm {

enum class FlagValue {
  None,            // a switch: +LBOff
  Required,        // the next argument (or after '='): +LBPeriod 0.5, +balancer=GreedyLB
  OptionalNumber,  // the next argument when it is a number: +LBDebug, +LBDebug 2
};

struct FlagSpec {
  std::string_view name;     // without the leading '+'s
  FlagValue value;
  // Empty: the flag is honoured (or already describes what charmpy does).
  // Otherwise why it has no effect here, printed on PE 0 when it is given.
  std::string_view ignoredBecause;
};

// The flags the runtime knows, in the order of the documentation.
const std::vector<FlagSpec>& knownRuntimeFlags();

class RuntimeFlags {
 public:
  // Removes the runtime flags (and their values) from `args`, remembering them.
  // With `warn` set (PE 0), unknown flags are dropped with a warning on stderr, and
  // known flags that change nothing here get a note saying so. `+p4` / `+p 4` is
  // recorded as "p" (the PE count comes from mpirun -n here).
  std::vector<std::string> consume(const std::vector<std::string>& args, bool warn);

  // Flag name without the leading '+'s -> value ("" for switches).
  const std::map<std::string, std::string>& values() const { return values_; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace charm
