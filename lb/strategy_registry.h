// The table of load-balancing strategies by name, and +balancer parsing.
// Built-ins (GreedyLB, RefineLB, GreedyRefineLB, RotateLB, RandomLB, DummyLB) are
// in the table from its first use, whatever the static-init order or linking.
// A user strategy registers itself at static initialisation:
//
//     class MyLB : public charm::lb::Strategy { ... name() returns "MyLB" ... };
//     CHARM_REGISTER_STRATEGY(MyLB);             // registered as "MyLB"
//     CHARM_REGISTER_STRATEGY_AS(ns::OtherLB, "OtherLB");
//
// after which `+balancer MyLB` (or makeStrategy("MyLB")) finds it. See lb/README.md.
//
// Charm++'s balancer names are accepted too (charmBalancerAliases): RandCentLB is
// our RandomLB; the others run the nearest charmpy strategy, with a note on PE 0
// (balancerNotes) saying what differs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lb/strategy.h"

namespace charm::lb {

using StrategyFactory = std::function<std::unique_ptr<Strategy>()>;

// Adds `name`. Throws std::invalid_argument if the name is empty, contains a comma
// or whitespace (it could not be named in +balancer), or is already taken.
void registerStrategy(const std::string& name, StrategyFactory factory);

// A new instance of the strategy registered as `name`. "Greedy" also finds
// "GreedyLB" (a name without the "LB" suffix finds the name with it, as in
// Charm++'s +balancer), and a Charm++ name finds its alias (see below). Throws
// std::invalid_argument listing the known names and the Charm++ names accepted.
std::unique_ptr<Strategy> makeStrategy(std::string_view name);

// Every registered name, sorted.
std::vector<std::string> strategyNames();

// A Charm++ load balancer charmpy has no strategy of that name for, and the one it
// runs instead. `same` is true when ours is the same algorithm under another name.
struct CharmBalancerAlias {
  std::string_view charmName;  // "GreedyCommLB"
  std::string_view ours;       // "GreedyLB"
  bool same;
  std::string_view difference;  // what Charm++'s does that ours does not ("" when same)
};

// Every alias, sorted by Charm++ name. A registered strategy of the same name
// (a user's "MetisLB") takes precedence over the alias.
const std::vector<CharmBalancerAlias>& charmBalancerAliases();

// The note to print for each name of a +balancer value that runs a different
// strategy than the one named ("+balancer GreedyCommLB: Charm++'s ... runs GreedyLB
// here, which ..."); empty when every name is one of ours or an exact alias.
std::vector<std::string> balancerNotes(const std::vector<std::string>& flagValues);

// Registers a strategy when constructed; the macros below make one at namespace scope.
struct StrategyRegistration {
  StrategyRegistration(const std::string& name, StrategyFactory factory) {
    registerStrategy(name, std::move(factory));
  }
};

// ----- +balancer: several strategies in sequence -----

// "GreedyLB,RefineLB" -> {"GreedyLB", "RefineLB"}; blanks around names are
// dropped. Throws std::invalid_argument for an empty list or an empty name ("A,,B").
std::vector<std::string> parseBalancerList(std::string_view flagValue);
// Several +balancer flags, each possibly a comma list, in order.
std::vector<std::string> parseBalancerList(const std::vector<std::string>& flagValues);

// Runs strategies one after another; each sees the previous one's result as the
// current placement (ObjectStats::pe). Stage k runs with seed `input.seed + k`,
// so one RandomLB alone gives the same answer as in a sequence of one, and two
// RandomLB stages draw differently.
class StrategySequence : public Strategy {
 public:
  explicit StrategySequence(std::vector<std::unique_ptr<Strategy>> stages);
  const char* name() const override { return name_.c_str(); }  // "GreedyLB,RefineLB"
  std::vector<int> assign(const LbInput& input) override;
  std::size_t size() const { return stages_.size(); }

 private:
  std::vector<std::unique_ptr<Strategy>> stages_;
  std::string name_;
};

// The strategy for a +balancer value ("RefineLB", "GreedyLB,RefineLB", ...):
// the strategy itself for one name, a StrategySequence for several. Unknown
// names throw std::invalid_argument before anything runs.
std::unique_ptr<Strategy> makeBalancer(std::string_view flagValue);
std::unique_ptr<Strategy> makeBalancer(const std::vector<std::string>& flagValues);

}  // namespace charm::lb

#define CHARM_LB_CONCAT_INNER(a, b) a##b
#define CHARM_LB_CONCAT(a, b) CHARM_LB_CONCAT_INNER(a, b)

// Registers the default-constructible Strategy subclass `Type` under `name` at
// static initialisation. Use at namespace scope in a .cc file (one per strategy).
#define CHARM_REGISTER_STRATEGY_AS(Type, name)                                             \
  static const ::charm::lb::StrategyRegistration CHARM_LB_CONCAT(charmLbRegistration_,   \
                                                                 __LINE__)(               \
      name, []() -> std::unique_ptr<::charm::lb::Strategy> { return std::make_unique<Type>(); })

// Registers `Type` under its own (unqualified) name: CHARM_REGISTER_STRATEGY(MyLB).
#define CHARM_REGISTER_STRATEGY(Type) CHARM_REGISTER_STRATEGY_AS(Type, #Type)
