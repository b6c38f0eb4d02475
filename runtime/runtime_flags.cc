#include "runtime/runtime_flags.h"

#include <cstdio>
#include <cstdlib>

namespace charm {

namespace {

constexpr std::string_view kNoLbModel =
    "charmpy's load balancer has no such setting (see the README's runtime options)";
constexpr std::string_view kNoSimulation = "charmpy does not dump or simulate load-balancing steps";
constexpr std::string_view kMpiPlacement = "the number and placement of PEs come from mpirun here";

const std::vector<FlagSpec> kFlags = {
    // The runtime's own.
    {"quiet", FlagValue::None, {}},
    {"setcpuaffinity", FlagValue::None, {}},
    {"stats", FlagValue::None, {}},
    {"stacksize", FlagValue::Required, {}},
    {"deadlockTimeout", FlagValue::Required, {}},  // seconds; 0: no deadlock detection
    // Load balancing: honoured.
    {"balancer", FlagValue::Required, {}},
    {"LBPeriod", FlagValue::Required, {}},
    {"LBOff", FlagValue::None, {}},
    {"LBOn", FlagValue::None, {}},
    {"LBDebug", FlagValue::OptionalNumber, {}},
    {"LBPrintSummary", FlagValue::None, {}},      // the +LBDebug 1 line per step
    {"LBCommOff", FlagValue::None, {}},           // strategies get no communication graph
    {"LBCommOn", FlagValue::None, {}},            // charmpy records communication anyway
    {"LBObjOnly", FlagValue::None, {}},           // no background load, non-migratable objects ignored
    {"LBNoBackground", FlagValue::None, {}},      // no background load
    {"LBSyncResume", FlagValue::None, {}},        // resumeFromSync already waits for every migration
    {"LBSameCpus", FlagValue::None, {}},          // PEs are taken to be equally fast anyway
    {"LBPeriodSteps", FlagValue::Required, {}},
    {"LBNoMigrationCostCheck", FlagValue::None, {}},  // charmpy's: balancers move objects even when it does not pay
    // Load balancing: accepted, no effect here.
    {"LBTestPESpeed", FlagValue::None, "charmpy takes every PE to be equally fast"},
    {"LBUseCpuTime", FlagValue::None, "charmpy measures loads in wall-clock time"},
    {"LBLoop", FlagValue::None, kNoLbModel},
    {"MetaLB", FlagValue::None, kNoLbModel},
    {"LBTopo", FlagValue::Required, kNoLbModel},
    {"TreeLBFile", FlagValue::Required, kNoLbModel},
    {"LBPredictor", FlagValue::None, "charmpy predicts each step's loads from the last period only"},
    {"LBPredictorDelay", FlagValue::Required, "charmpy predicts each step's loads from the last period only"},
    {"LBPredictorWindow", FlagValue::Required, "charmpy predicts each step's loads from the last period only"},
    {"LBCentPE", FlagValue::Required, "charmpy's strategies always run on PE 0"},
    {"LBPercentMoves", FlagValue::Required, kNoLbModel},
    {"LBPercentMovesAllowed", FlagValue::Required, kNoLbModel},
    {"LBAlpha", FlagValue::Required, kNoLbModel},
    {"LBBeta", FlagValue::Required, kNoLbModel},
    {"DistLBTargetRatio", FlagValue::Required, kNoLbModel},
    {"DistLBMaxPhases", FlagValue::Required, kNoLbModel},
    {"teamSize", FlagValue::Required, kNoLbModel},
    {"LBVersion", FlagValue::Required, kNoSimulation},
    {"LBDump", FlagValue::Required, kNoSimulation},
    {"LBDumpSteps", FlagValue::Required, kNoSimulation},
    {"LBDumpFile", FlagValue::Required, kNoSimulation},
    {"LBSim", FlagValue::Required, kNoSimulation},
    {"LBSimSteps", FlagValue::Required, kNoSimulation},
    {"LBSimProcs", FlagValue::Required, kNoSimulation},
    {"LBSimRange", FlagValue::Required, kNoSimulation},
    {"LBShowDecisions", FlagValue::None, kNoSimulation},
    // Charm++ launcher flags: accepted, no effect here.
    {"p", FlagValue::Required, kMpiPlacement},
    {"ppn", FlagValue::Required, kMpiPlacement},
    {"pemap", FlagValue::Required, "use +setcpuaffinity (or mpirun's binding options) here"},
    {"commap", FlagValue::Required, kMpiPlacement},
};

const FlagSpec* find(std::string_view name) {
  for (const FlagSpec& f : kFlags)
    if (f.name == name) return &f;
  return nullptr;
}

bool isFlag(const std::string& a) { return a.size() > 1 && a[0] == '+' && a != "+"; }

bool isNumber(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// "p4" -> ("p", "4"): Charm++'s +pN spelling of the PE count.
bool splitPeCount(const std::string& name, std::string& value) {
  if (name.size() < 2 || name[0] != 'p') return false;
  for (std::size_t i = 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  value = name.substr(1);
  return true;
}

}  // namespace

const std::vector<FlagSpec>& knownRuntimeFlags() { return kFlags; }

std::vector<std::string> RuntimeFlags::consume(const std::vector<std::string>& args, bool warn) {
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!isFlag(a)) {
      rest.push_back(a);
      continue;
    }
    std::string value;
    const std::string bare = a.substr(a.find_first_not_of('+'));
    const bool inlineValue = splitPeCount(bare, value);  // +p4
    std::string name = inlineValue ? bare.substr(0, 1) : bare;
    const auto eq = name.find('=');
    if (eq != std::string::npos) {  // +balancer=GreedyLB
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const FlagSpec* spec = find(name);
    if (!spec) {
      if (warn) std::fprintf(stderr, "charmpy: warning: unknown runtime flag %s ignored\n", a.c_str());
      continue;
    }
    if (eq == std::string::npos && !inlineValue) {
      if (spec->value == FlagValue::Required) {
        if (i + 1 >= args.size()) {
          if (warn) std::fprintf(stderr, "charmpy: runtime flag %s needs a value; ignored\n", a.c_str());
          continue;
        }
        value = args[++i];
      } else if (spec->value == FlagValue::OptionalNumber && i + 1 < args.size() && isNumber(args[i + 1])) {
        value = args[++i];
      }
    }
    if (warn && !spec->ignoredBecause.empty())
      std::fprintf(stderr, "charmpy: note: %s has no effect here: %.*s\n", a.c_str(),
                   static_cast<int>(spec->ignoredBecause.size()), spec->ignoredBecause.data());
    // Several +balancer flags run in sequence: keep them all, comma-separated.
    auto& slot = values_[name];
    slot = (name == "balancer" && !slot.empty()) ? slot + "," + value : value;
  }
  return rest;
}

}  // namespace charm
