#include "lb/migration_gate.h"

#include <algorithm>
#include <cstdio>

#include "lb/strategy_registry.h"

namespace charm::lb {

namespace {

// The plan being pruned: per-PE loads and migration bytes kept up to date, so that
// trying to drop one move costs O(PEs).
struct Trial {
  std::vector<double> load;
  std::vector<std::uint64_t> bytes;

  Trial(const LbInput& input, const std::vector<int>& assignment)
      : load(input.pes.size(), 0.0), bytes(peMigrationBytes(input, assignment)) {
    for (const PeStats& pe : input.pes) load[static_cast<std::size_t>(pe.pe)] = pe.backgroundLoad;
    for (std::size_t i = 0; i < input.objects.size(); ++i)
      load[static_cast<std::size_t>(assignment[i])] += input.objects[i].load;
  }
  // Moves object `o` (load, stateBytes) back from `to` to `from` (sign +1), or
  // undoes that (sign -1).
  void undoMove(const ObjectStats& o, int to, int sign) {
    const auto from = static_cast<std::size_t>(o.pe), dest = static_cast<std::size_t>(to);
    load[dest] -= sign * o.load;
    load[from] += sign * o.load;
    if (sign > 0) {
      bytes[dest] -= o.stateBytes;
      bytes[from] -= o.stateBytes;
    } else {
      bytes[dest] += o.stateBytes;
      bytes[from] += o.stateBytes;
    }
  }
  double net(double maxBefore, double secondsPerByte, double periods) const {
    const double maxLoad = load.empty() ? 0 : *std::max_element(load.begin(), load.end());
    const std::uint64_t maxBytes = bytes.empty() ? 0 : *std::max_element(bytes.begin(), bytes.end());
    return periods * (maxBefore - maxLoad) - static_cast<double>(maxBytes) * secondsPerByte;
  }
};

std::size_t countMoves(const LbInput& input, const std::vector<int>& assignment, std::uint64_t* bytes) {
  std::size_t moves = 0;
  *bytes = 0;
  for (std::size_t i = 0; i < assignment.size(); ++i)
    if (assignment[i] != input.objects[i].pe) {
      ++moves;
      *bytes += input.objects[i].stateBytes;
    }
  return moves;
}

}  // namespace

double maxPeLoad(const LbInput& input, const std::vector<int>& assignment) {
  const std::vector<double> loads = peLoads(input, assignment);
  return loads.empty() ? 0 : *std::max_element(loads.begin(), loads.end());
}

std::vector<std::uint64_t> peMigrationBytes(const LbInput& input, const std::vector<int>& assignment) {
  std::vector<std::uint64_t> bytes(input.pes.size(), 0);
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    const ObjectStats& o = input.objects[i];
    if (assignment[i] == o.pe) continue;
    bytes[static_cast<std::size_t>(o.pe)] += o.stateBytes;
    bytes[static_cast<std::size_t>(assignment[i])] += o.stateBytes;
  }
  return bytes;
}

double migrationCost(const LbInput& input, const std::vector<int>& assignment, double secondsPerByte) {
  const std::vector<std::uint64_t> bytes = peMigrationBytes(input, assignment);
  const std::uint64_t most = bytes.empty() ? 0 : *std::max_element(bytes.begin(), bytes.end());
  return static_cast<double>(most) * secondsPerByte;
}

GateDecision gateMigrations(const LbInput& input, const std::vector<int>& plan, double secondsPerByte,
                            double gainPeriods) {
  GateDecision d;
  d.gainPeriods = gainPeriods;
  d.assignment = plan;
  d.movesProposed = countMoves(input, plan, &d.bytesProposed);
  const double maxBefore = maxPeLoad(input, currentPlacement(input));
  d.gainProposed = maxBefore - maxPeLoad(input, plan);
  d.costProposed = migrationCost(input, plan, secondsPerByte);
  // The moves that may be dropped: not those off unavailable PEs.
  std::vector<std::size_t> optional;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const ObjectStats& o = input.objects[i];
    if (plan[i] != o.pe && input.pes[static_cast<std::size_t>(o.pe)].available) optional.push_back(i);
  }
  if (!optional.empty() && optional.size() <= kMaxPrunedMoves) {
    Trial trial(input, d.assignment);
    double net = trial.net(maxBefore, secondsPerByte, gainPeriods);
    for (;;) {
      std::size_t best = optional.size();
      double bestNet = net;
      for (std::size_t k = 0; k < optional.size(); ++k) {
        const std::size_t i = optional[k];
        if (d.assignment[i] == input.objects[i].pe) continue;  // dropped already
        trial.undoMove(input.objects[i], d.assignment[i], +1);
        const double n = trial.net(maxBefore, secondsPerByte, gainPeriods);
        trial.undoMove(input.objects[i], d.assignment[i], -1);
        if (n > bestNet) {
          bestNet = n;
          best = k;
        }
      }
      if (best == optional.size()) break;
      const std::size_t i = optional[best];
      trial.undoMove(input.objects[i], d.assignment[i], +1);
      d.assignment[i] = input.objects[i].pe;
      net = bestNet;
    }
  }
  // What is left must gain more than it costs, else only the forced moves happen.
  const double keptNet =
      gainPeriods * (maxBefore - maxPeLoad(input, d.assignment)) - migrationCost(input, d.assignment, secondsPerByte);
  if (!optional.empty() && !(keptNet > 0))
    for (std::size_t i : optional) d.assignment[i] = input.objects[i].pe;
  d.movesKept = countMoves(input, d.assignment, &d.bytesKept);
  d.gainKept = maxBefore - maxPeLoad(input, d.assignment);
  d.costKept = migrationCost(input, d.assignment, secondsPerByte);
  const std::vector<std::uint64_t> bytes = peMigrationBytes(input, d.assignment);
  d.maxPeBytesKept = bytes.empty() ? 0 : *std::max_element(bytes.begin(), bytes.end());
  return d;
}

bool isGatedStrategy(std::string_view strategyName) {
  if (strategyName.empty()) return false;
  for (const std::string& stage : parseBalancerList(strategyName))
    if (stage != "GreedyLB" && stage != "RefineLB" && stage != "GreedyRefineLB") return false;
  return true;
}

std::string describe(const GateDecision& d, double secondsPerByte, bool measured) {
  char text[320];
  const double mbPerSecond = secondsPerByte > 0 ? 1e-6 / secondsPerByte : 0;
  int n = std::snprintf(text, sizeof text,
                        "migration cost check: %zu moves of %.3f MB gain %.3f ms x %g periods, cost %.3f ms at "
                        "%.0f MB/s (%s)",
                        d.movesProposed, static_cast<double>(d.bytesProposed) / 1e6, d.gainProposed * 1e3,
                        d.gainPeriods, d.costProposed * 1e3, mbPerSecond, measured ? "measured" : "default");
  if (n < 0) return {};
  std::string out(text, std::min(static_cast<std::size_t>(n), sizeof text - 1));
  if (d.movesKept == d.movesProposed) {
    out += ": all made";
  } else if (d.movesKept == 0) {
    out += ": none made";
  } else {
    std::snprintf(text, sizeof text, ": %zu made (%.3f MB, gain %.3f ms, cost %.3f ms)", d.movesKept,
                  static_cast<double>(d.bytesKept) / 1e6, d.gainKept * 1e3, d.costKept * 1e3);
    out += text;
  }
  return out;
}

}  // namespace charm::lb
