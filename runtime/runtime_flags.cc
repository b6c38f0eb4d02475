#include "runtime/runtime_flags.h"

#include <cstdio>
#include <set>

namespace charm {

namespace {
// Flags that take a value (the next argument).
const std::set<std::string> kWithValue = {"balancer", "LBPeriod", "LBDebug", "pemap",
                                          "LBPeriodSteps", "stacksize"};
// Switches.
const std::set<std::string> kSwitches = {"LBOff", "LBCommOff", "LBObjOnly", "LBTestPESpeed",
                                         "setcpuaffinity", "quiet", "LBOn", "stats"};

bool isFlag(const std::string& a) { return a.size() > 1 && a[0] == '+' && a != "+"; }
}  // namespace

std::vector<std::string> RuntimeFlags::consume(const std::vector<std::string>& args, bool warn) {
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!isFlag(a)) {
      rest.push_back(a);
      continue;
    }
    std::string name = a.substr(a.find_first_not_of('+'));
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {  // +balancer=GreedyLB
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (kWithValue.count(name)) {
      if (i + 1 < args.size()) {
        value = args[++i];
      } else if (warn) {
        std::fprintf(stderr, "charmpy: runtime flag %s needs a value; ignored\n", a.c_str());
        continue;
      }
    } else if (!kSwitches.count(name)) {
      if (warn) std::fprintf(stderr, "charmpy: warning: unknown runtime flag %s ignored\n", a.c_str());
      continue;
    }
    // Several +balancer flags run in sequence: keep them all, comma-separated.
    auto& slot = values_[name];
    slot = (name == "balancer" && !slot.empty()) ? slot + "," + value : value;
  }
  return rest;
}

}  // namespace charm
