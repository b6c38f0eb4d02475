#include "lb/strategy.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace charm::lb {

namespace {

std::string objectName(const LbInput& input, std::size_t i) {
  return "object " + std::to_string(i) + " (id " + std::to_string(input.objects[i].id) + ")";
}

bool validLoad(double load) { return std::isfinite(load) && load >= 0; }

}  // namespace

void checkInput(const LbInput& input) {
  const int numPes = static_cast<int>(input.pes.size());
  for (int p = 0; p < numPes; ++p) {
    const PeStats& pe = input.pes[static_cast<std::size_t>(p)];
    if (pe.pe != p)
      throw std::invalid_argument("LbInput: pes[" + std::to_string(p) + "] says PE " +
                                  std::to_string(pe.pe) + "; pes must be indexed by PE number");
    if (!validLoad(pe.backgroundLoad))
      throw std::invalid_argument("LbInput: PE " + std::to_string(p) + " has background load " +
                                  std::to_string(pe.backgroundLoad) + "; it must be finite and >= 0");
  }
  for (std::size_t i = 0; i < input.objects.size(); ++i) {
    const ObjectStats& o = input.objects[i];
    if (o.pe < 0 || o.pe >= numPes)
      throw std::invalid_argument("LbInput: " + objectName(input, i) + " is on PE " +
                                  std::to_string(o.pe) + ", outside the " + std::to_string(numPes) +
                                  " PEs in LbInput::pes");
    if (!validLoad(o.load))
      throw std::invalid_argument("LbInput: " + objectName(input, i) + " has load " +
                                  std::to_string(o.load) + "; it must be finite and >= 0");
  }
}

void checkAssignment(const LbInput& input, const std::vector<int>& assignment,
                     const char* strategyName) {
  const std::string who = std::string(strategyName ? strategyName : "strategy");
  if (assignment.size() != input.objects.size())
    throw std::logic_error(who + " returned " + std::to_string(assignment.size()) + " PEs for " +
                           std::to_string(input.objects.size()) + " objects");
  const int numPes = static_cast<int>(input.pes.size());
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    const ObjectStats& o = input.objects[i];
    const int to = assignment[i];
    if (to == o.pe) continue;
    if (to < 0 || to >= numPes)
      throw std::logic_error(who + " put " + objectName(input, i) + " on PE " + std::to_string(to) +
                             ", outside the " + std::to_string(numPes) + " PEs");
    if (!o.migratable)
      throw std::logic_error(who + " moved non-migratable " + objectName(input, i) + " from PE " +
                             std::to_string(o.pe) + " to PE " + std::to_string(to));
    if (!input.pes[static_cast<std::size_t>(to)].available)
      throw std::logic_error(who + " moved " + objectName(input, i) + " to unavailable PE " +
                             std::to_string(to));
  }
}

void filterInput(LbInput& input, const InputFilter& filter) {
  if (!filter.communication) input.comm.clear();
  if (!filter.backgroundLoad)
    for (PeStats& pe : input.pes) pe.backgroundLoad = 0;
  if (!filter.pinnedObjectLoad)
    for (ObjectStats& o : input.objects)
      if (!o.migratable) o.load = 0;
}

std::vector<int> currentPlacement(const LbInput& input) {
  std::vector<int> placement;
  placement.reserve(input.objects.size());
  for (const ObjectStats& o : input.objects) placement.push_back(o.pe);
  return placement;
}

std::vector<double> peLoads(const LbInput& input, const std::vector<int>& assignment) {
  std::vector<double> loads(input.pes.size(), 0.0);
  for (std::size_t p = 0; p < input.pes.size(); ++p) loads[p] = input.pes[p].backgroundLoad;
  for (std::size_t i = 0; i < input.objects.size() && i < assignment.size(); ++i) {
    const int pe = assignment[i];
    if (pe >= 0 && static_cast<std::size_t>(pe) < loads.size())
      loads[static_cast<std::size_t>(pe)] += input.objects[i].load;
  }
  return loads;
}

LbSummary summarize(const LbInput& input, const std::vector<int>& assignment) {
  if (assignment.size() != input.objects.size())
    throw std::invalid_argument("summarize: " + std::to_string(assignment.size()) +
                                " PEs given for " + std::to_string(input.objects.size()) + " objects");
  LbSummary s;
  s.numPes = static_cast<int>(input.pes.size());
  s.numObjects = input.objects.size();
  for (const PeStats& pe : input.pes) s.numAvailablePes += pe.available ? 1 : 0;

  auto maxAndAvg = [&](const std::vector<double>& loads, double& max, double& avg, int& maxPe) {
    double sum = 0;
    int counted = 0;
    for (std::size_t p = 0; p < loads.size(); ++p) {
      if (maxPe < 0 || loads[p] > max) {
        max = loads[p];
        maxPe = static_cast<int>(p);
      }
      if (s.numAvailablePes == 0 || input.pes[p].available) {
        sum += loads[p];
        ++counted;
      }
    }
    avg = counted > 0 ? sum / counted : 0;
  };
  maxAndAvg(peLoads(input, currentPlacement(input)), s.maxLoadBefore, s.avgLoadBefore, s.maxPeBefore);
  maxAndAvg(peLoads(input, assignment), s.maxLoadAfter, s.avgLoadAfter, s.maxPeAfter);

  for (std::size_t i = 0; i < assignment.size(); ++i) {
    if (assignment[i] != input.objects[i].pe) {
      ++s.objectsMoved;
      s.loadMoved += input.objects[i].load;
    }
  }
  return s;
}

std::string describe(const LbSummary& s, const char* strategyName) {
  const char* name = strategyName ? strategyName : "strategy";
  auto print = [&](char* out, std::size_t size) {
    return std::snprintf(out, size,
                         "%s: %d PEs (%d available), %zu objects, max/avg %.3f/%.3f s -> "
                         "%.3f/%.3f s (imbalance %.3f -> %.3f), %zu moved (%.3f s of load)",
                         name, s.numPes, s.numAvailablePes, s.numObjects,
                         s.maxLoadBefore, s.avgLoadBefore, s.maxLoadAfter, s.avgLoadAfter,
                         s.imbalanceBefore(), s.imbalanceAfter(), s.objectsMoved, s.loadMoved);
  };
  const int length = print(nullptr, 0);
  if (length <= 0) return name;
  std::string line(static_cast<std::size_t>(length), '\0');
  print(line.data(), line.size() + 1);  // writes the terminator into line's own
  return line;
}

}  // namespace charm::lb
