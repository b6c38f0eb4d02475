#include "lb/strategy_registry.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "lb/dummy_lb.h"
#include "lb/greedy_lb.h"
#include "lb/greedy_refine_lb.h"
#include "lb/random_lb.h"
#include "lb/refine_lb.h"
#include "lb/rotate_lb.h"

namespace charm::lb {

namespace {

// The table, built-ins included from the start. Filled at static initialisation
// (user registrations) and read when the runtime picks its balancer; the mutex
// keeps it right if in-process PEs on several threads look names up at once.
struct Table {
  std::mutex mutex;
  std::map<std::string, StrategyFactory, std::less<>> factories;

  Table() {
    add<GreedyLB>("GreedyLB");
    add<RefineLB>("RefineLB");
    add<GreedyRefineLB>("GreedyRefineLB");
    add<RotateLB>("RotateLB");
    add<RandomLB>("RandomLB");
    add<DummyLB>("DummyLB");
  }

  template <class T>
  void add(const char* name) {
    factories.emplace(name, [] { return std::unique_ptr<Strategy>(std::make_unique<T>()); });
  }
};

Table& table() {
  static Table t;
  return t;
}

// Charm++'s balancers, sorted by name. Same algorithm: only RandCentLB. The others
// run the charmpy strategy closest in intent (load-only partitioners -> GreedyLB,
// incremental ones -> RefineLB, hierarchical/adaptive ones -> GreedyRefineLB), so
// that a Charm++ or charm4py command line still balances, with a note on PE 0.
const std::vector<CharmBalancerAlias> kCharmAliases = {
    {"AdaptiveLB", "GreedyRefineLB", false, "picks a strategy and the balancing period from measured costs"},
    {"DistributedLB", "RefineLB", false, "is distributed (gossip between PEs) rather than run on one PE"},
    {"GreedyCommLB", "GreedyLB", false, "also keeps communicating objects together; GreedyLB ignores communication"},
    {"HybridLB", "GreedyRefineLB", false, "balances groups of PEs hierarchically rather than all at once"},
    {"MetisLB", "GreedyLB", false, "partitions the communication graph with METIS; GreedyLB ignores communication"},
    {"NeighborLB", "RefineLB", false, "moves load between neighbouring PEs only"},
    {"OrbLB", "GreedyLB", false, "splits objects by orthogonal recursive bisection of their coordinates"},
    {"RandCentLB", "RandomLB", true, ""},
    {"RecBipartLB", "GreedyLB", false, "bipartitions the communication graph recursively; GreedyLB ignores communication"},
    {"RefineCommLB", "RefineLB", false, "also weighs communication when choosing what to move; RefineLB ignores it"},
    {"RefineSwapLB", "RefineLB", false, "also swaps pairs of objects when a single move does not help"},
    {"ScotchLB", "GreedyLB", false, "partitions the communication graph with Scotch; GreedyLB ignores communication"},
    {"TempAwareGreedyLB", "GreedyLB", false, "also weighs the temperature of the cores"},
    {"TempAwareRefineLB", "RefineLB", false, "also weighs the temperature of the cores"},
    {"TopoCentLB", "GreedyLB", false, "maps communicating objects onto the network topology"},
    {"TopoLB", "GreedyLB", false, "maps communicating objects onto the network topology"},
    {"TreeLB", "GreedyRefineLB", false, "balances along a configurable tree of PEs rather than all at once"},
    {"TreeMatchLB", "GreedyLB", false, "maps communicating objects onto the machine topology"},
    {"WSLB", "RefineLB", false, "balances between neighbouring workstations with varying background load"},
    {"ZoltanLB", "GreedyLB", false, "partitions the communication graph with Zoltan; GreedyLB ignores communication"},
};

const CharmBalancerAlias* findAlias(std::string_view name) {
  for (const CharmBalancerAlias& a : kCharmAliases)
    if (a.charmName == name) return &a;
  return nullptr;
}

std::string knownNames() {
  std::string list;
  for (const std::string& n : strategyNames()) list += (list.empty() ? "" : ", ") + n;
  list += "; Charm++ names also accepted: ";
  for (std::size_t i = 0; i < kCharmAliases.size(); ++i)
    list += (i ? ", " : "") + std::string(kCharmAliases[i].charmName) + " (runs " +
            std::string(kCharmAliases[i].ours) + ")";
  list += "; several in sequence: +balancer A,B";
  return list;
}

// The factory registered as `name` (or name + "LB"), or null.
StrategyFactory registered(std::string_view name) {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  auto it = t.factories.find(name);
  if (it == t.factories.end()) it = t.factories.find(std::string(name) + "LB");
  return it != t.factories.end() ? it->second : StrategyFactory{};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void appendNames(std::string_view flagValue, std::vector<std::string>& names) {
  if (trim(flagValue).empty())
    throw std::invalid_argument("+balancer: no strategy named; known strategies: " + knownNames());
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = flagValue.find(',', start);
    const std::string_view piece = trim(flagValue.substr(start, comma == std::string_view::npos
                                                                    ? std::string_view::npos
                                                                    : comma - start));
    if (piece.empty())
      throw std::invalid_argument("+balancer '" + std::string(flagValue) +
                                  "': empty strategy name in the comma-separated list");
    names.emplace_back(piece);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

}  // namespace

void registerStrategy(const std::string& name, StrategyFactory factory) {
  if (name.empty() || std::any_of(name.begin(), name.end(), [](char c) {
        return c == ',' || std::isspace(static_cast<unsigned char>(c));
      }))
    throw std::invalid_argument("registerStrategy: '" + name +
                                "' is not a usable strategy name (empty, or has a comma or blank)");
  if (!factory) throw std::invalid_argument("registerStrategy: no factory given for '" + name + "'");
  Table& t = table();
  std::lock_guard lock(t.mutex);
  if (!t.factories.emplace(name, std::move(factory)).second)
    throw std::invalid_argument("registerStrategy: a strategy named '" + name +
                                "' is already registered");
}

std::unique_ptr<Strategy> makeStrategy(std::string_view name) {
  StrategyFactory factory = registered(name);
  if (!factory) {
    const CharmBalancerAlias* alias = findAlias(name);
    if (!alias) alias = findAlias(std::string(name) + "LB");
    if (alias) factory = registered(alias->ours);
  }
  if (!factory)
    throw std::invalid_argument("unknown load balancer '" + std::string(name) +
                                "'; known strategies: " + knownNames());
  std::unique_ptr<Strategy> strategy = factory();
  if (!strategy)
    throw std::logic_error("the factory of load balancer '" + std::string(name) + "' returned null");
  return strategy;
}

std::vector<std::string> strategyNames() {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  std::vector<std::string> names;
  names.reserve(t.factories.size());
  for (const auto& [name, factory] : t.factories) names.push_back(name);  // std::map: sorted
  return names;
}

const std::vector<CharmBalancerAlias>& charmBalancerAliases() { return kCharmAliases; }

std::vector<std::string> balancerNotes(const std::vector<std::string>& flagValues) {
  std::vector<std::string> notes;
  for (const std::string& name : parseBalancerList(flagValues)) {
    if (registered(name)) continue;  // ours, or a user's strategy of that name
    const CharmBalancerAlias* alias = findAlias(name);
    if (!alias) alias = findAlias(name + "LB");
    if (!alias || alias->same) continue;
    notes.push_back("+balancer " + name + ": charmpy has no " + std::string(alias->charmName) + " and runs " +
                    std::string(alias->ours) + " instead: Charm++'s " + std::string(alias->charmName) + " " +
                    std::string(alias->difference));
  }
  return notes;
}

std::vector<std::string> parseBalancerList(std::string_view flagValue) {
  std::vector<std::string> names;
  appendNames(flagValue, names);
  return names;
}

std::vector<std::string> parseBalancerList(const std::vector<std::string>& flagValues) {
  std::vector<std::string> names;
  for (const std::string& value : flagValues) appendNames(value, names);
  if (names.empty())
    throw std::invalid_argument("+balancer: no strategy named; known strategies: " + knownNames());
  return names;
}

StrategySequence::StrategySequence(std::vector<std::unique_ptr<Strategy>> stages)
    : stages_(std::move(stages)) {
  if (stages_.empty()) throw std::invalid_argument("StrategySequence: no strategies given");
  for (const auto& s : stages_) {
    if (!s) throw std::invalid_argument("StrategySequence: null strategy");
    name_ += (name_.empty() ? "" : ",") + std::string(s->name());
  }
}

std::vector<int> StrategySequence::assign(const LbInput& input) {
  checkInput(input);
  LbInput stageInput = input;  // objects[i].pe follows the placement stage by stage
  std::vector<int> placement = currentPlacement(input);
  for (std::size_t k = 0; k < stages_.size(); ++k) {
    for (std::size_t i = 0; i < placement.size(); ++i) stageInput.objects[i].pe = placement[i];
    stageInput.seed = input.seed + k;
    placement = stages_[k]->assign(stageInput);
    checkAssignment(stageInput, placement, stages_[k]->name());
  }
  return placement;
}

std::unique_ptr<Strategy> makeBalancer(const std::vector<std::string>& flagValues) {
  const std::vector<std::string> names = parseBalancerList(flagValues);
  std::vector<std::unique_ptr<Strategy>> stages;
  for (const std::string& n : names) stages.push_back(makeStrategy(n));
  if (stages.size() == 1) return std::move(stages.front());
  return std::make_unique<StrategySequence>(std::move(stages));
}

std::unique_ptr<Strategy> makeBalancer(std::string_view flagValue) {
  return makeBalancer(std::vector<std::string>{std::string(flagValue)});
}

}  // namespace charm::lb
