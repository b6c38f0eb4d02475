#include "lb/lb_manager.h"

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <stdexcept>

#include "lb/comm_refine.h"
#include "lb/migration_gate.h"
#include "lb/strategy_registry.h"
#include "runtime/chare_internals.h"
#include "runtime/cpu_affinity.h"

namespace charm::lb {

namespace {

// The strategy used when AtSync is called without +balancer (the one place that
// names it: programs ask charm::balancerName()).
constexpr const char* kDefaultBalancer = "GreedyRefineLB";

// The strategy AtSync runs under `flags`: +balancer's, else the default; "" under +LBOff.
std::string balancerFor(const RuntimeFlags& flags) {
  if (flags.has("LBOff")) return {};
  return flags.has("balancer") ? flags.values().at("balancer") : kDefaultBalancer;
}

double secondsNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

thread_local LbManager* tlsManager = nullptr;

// +LBDebug: the traffic between PEs before and after the plan, when it is known.
std::string crossPeSummary(const LbInput& input, const std::vector<int>& plan) {
  if (input.comm.empty()) return {};
  char text[96];
  std::snprintf(text, sizeof text, ", cross-PE traffic %.0f -> %.0f KiB", crossPeTraffic(input, currentPlacement(input)) / 1024,
                crossPeTraffic(input, plan) / 1024);
  return text;
}

// Prints one line of +LBDebug output through the runtime, so that it reaches mpirun
// whole like the program's own output (every PE reports its step).
__attribute__((format(printf, 2, 3))) void printLine(Runtime& rt, const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int size = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string line(static_cast<std::size_t>(std::max(size, 0)) + 1, '\0');
  std::vsnprintf(line.data(), line.size(), format, again);
  va_end(again);
  line.back() = '\n';
  rt.output().write(OutputStream::Stdout, line);
}

// Creates the manager group on PE 0 when the runtime starts (every PE builds its
// element from the creation message, before any user collection reaches it).
void installOnStart(Runtime& runtime) {
  if (runtime.myPe() == 0) GroupProxy<LbManager>::create();
}
[[maybe_unused]] const int installed = registerStartupHook(&installOnStart);

}  // namespace

LbManager::LbManager() {
  Runtime& rt = Runtime::current();
  const RuntimeFlags& flags = rt.flags();
  enabled_ = !flags.has("LBOff");
  if (flags.has("LBDebug")) {
    try {
      debug_ = std::max(1, std::stoi(flags.values().at("LBDebug")));
    } catch (const std::exception&) {
      debug_ = 1;
    }
  }
  if (flags.has("LBPrintSummary")) debug_ = std::max(debug_, 1);
  filter_.communication = !flags.has("LBCommOff");
  filter_.backgroundLoad = !flags.has("LBNoBackground") && !flags.has("LBObjOnly");
  filter_.pinnedObjectLoad = !flags.has("LBObjOnly");
  if (flags.has("LBPeriod")) {
    try {
      period_ = std::stod(flags.values().at("LBPeriod"));
    } catch (const std::exception&) {
      throw std::invalid_argument("charm: +LBPeriod takes seconds, got '" + flags.values().at("LBPeriod") + "'");
    }
  }
  if (thisIndex() == 0 && enabled_) {
    strategyName_ = balancerFor(flags);
    strategy_ = makeBalancer(strategyName_);  // an unknown name fails at start-up, naming the known ones
    gate_ = !flags.has("LBNoMigrationCostCheck") && isGatedStrategy(strategy_->name());
    for (const std::string& note : balancerNotes({strategyName_}))
      std::fprintf(stderr, "charmpy: note: %s\n", note.c_str());
    // Read now, not in the first step: loading hwloc's topology takes about 5 ms,
    // which would stall every PE waiting for that step.
    coresPerHost_ = coresOnThisHost();
  }
  if (enabled_ && (flags.has("balancer") || period_ > 0)) rt.loadMeter().setInstrumentation(true);
  tlsManager = this;
  rt.loadMeter().setBalancer(this);
  if (thisIndex() == 0 && enabled_ && period_ > 0) rt.scheduler().after(period_, [this] { tick(); });
}

LbManager::~LbManager() {
  if (tlsManager == this) {
    tlsManager = nullptr;
    if (Runtime* rt = Runtime::currentOrNull()) rt->loadMeter().setBalancer(nullptr);
  }
}

// --- AtSync ------------------------------------------------------------------------

void LbManager::atSync(ChareBase& element) {
  Runtime& rt = Runtime::current();
  const std::uint32_t number = ChareInternals::takeSyncNumber(element);
  if (!enabled_) {
    charm::resumeFromSync(rt, element);
    return;
  }
  if (debug_ > 1 && firstAtSync_ == 0) firstAtSync_ = secondsNow();
  // An empty reduction over the array, counted at each element's home; its value
  // (the array's id, the same from everyone) tells PE 0 which array is ready.
  const Callback done = thisProxy()[0].callback<&LbManager::allAtSync>();
  const auto stream = static_cast<std::uint8_t>(ReductionStream::LoadBalancerSync);
  ReductionValue value = ReductionValue::numeric(ReducerKind::Max, static_cast<std::uint64_t>(element.collectionId()));
  if (ChareInternals::homePe(element) != rt.myPe())
    rt.locations().sendRemoteContribution(ChareInternals::homePe(element), element.collectionId(), stream, number,
                                          value, done);
  else
    rt.reductions().contribute(element.collectionId(), ReductionStream::LoadBalancerSync, number, std::move(value),
                               done);
}

void LbManager::allAtSync(std::uint64_t collection) {
  if (period_ > 0) {
    const double now = secondsNow();
    auto last = lastAtSyncStep_.find(collection);
    if (last != lastAtSyncStep_.end() && now - last->second < period_) {
      broadcastResumeFromSync(Runtime::current(), collection);  // too soon: no step
      return;
    }
    lastAtSyncStep_[collection] = now;
  }
  if (running_) {
    waiting_.push_back(collection);
    return;
  }
  startStep(collection);
}

void LbManager::tick() {
  if (!running_) startStep(0);
  Runtime::current().scheduler().after(period_, [this] { tick(); });
}

// --- a step ---------------------------------------------------------------------------

void LbManager::startStep(CollectionId collection) {
  running_ = true;
  stepCollection_ = collection;
  stepStart_ = secondsNow();
  thisProxy().broadcast<&LbManager::collectStats>(static_cast<std::uint64_t>(collection), ++step_);
}

void LbManager::collectStats(std::uint64_t collection, std::uint32_t step) {
  Runtime& rt = Runtime::current();
  const LoadMeter::LoadSample sample = rt.loadMeter().takeLoadSample();
  PeReport report;
  report.pe = rt.myPe();
  double balanced = 0;
  auto take = [&](CollectionId id) {
    Collection* c = rt.collections().find(id);
    if (!c) return;
    for (auto& [index, element] : c->elements) {
      const ChareBase& e = *element;
      ObjectRecord r;
      r.collection = id;
      r.index = index;
      r.load = ChareInternals::measuredLoad(e);
      // An element with a suspended coroutine stays: its frames live here.
      r.migratable = e.migratable() && ChareInternals::migrationEntry(e) != kNoEntry && ChareInternals::busyReason(e).empty();
      r.pe = rt.myPe();
      balanced += r.load;
      report.objects.push_back(r);
    }
  };
  if (collection != 0) {
    take(collection);
  } else {  // periodic: every array not using AtSync, and every singleton
    std::vector<CollectionId> ids;
    rt.collections().forEach([&](Collection& c) {
      if (c.kind() != CollectionKind::Group && !c.spec().useAtSync) ids.push_back(c.id());
    });
    std::sort(ids.begin(), ids.end());
    for (CollectionId id : ids) take(id);
  }
  // Only the balanced collections start a new period: an AtSync array keeps
  // measuring until its own step, whatever periodic steps ran meanwhile.
  rt.collections().forEach([&](Collection& c) {
    const bool balanced = c.kind() != CollectionKind::Group &&
                          (collection != 0 ? c.id() == collection : !c.spec().useAtSync);
    if (balanced || c.kind() == CollectionKind::Group)
      for (auto& [index, e] : c.elements) ChareInternals::resetLoad(*e);
  });
  const auto commCounts = rt.loadMeter().takeCommCounts();  // taken (and so reset) even when not reported
  if (filter_.communication)
    for (const auto& [pair, count] : commCounts)
      report.comm.push_back(CommRecord{pair.from.collection, pair.to.collection, pair.from.index,
                                       pair.to.index, count.messages, count.bytes});
  report.background = std::max(0.0, sample.wall - sample.idle - balanced);
  if (debug_ > 1)
    printLine(rt, "charm LB step %u PE %d: wall %.3f s, idle %.3f s, in elements %.3f s (balanced %.3f s), "
              "background %.3f s, %zu objects",
              step, rt.myPe(), sample.wall, sample.idle, sample.objects, balanced, report.background,
              report.objects.size());
  contribute(report, charm::reducer::gather, thisProxy()[0].callback<&LbManager::gotStats>());
}

void LbManager::gotStats(std::vector<PeReport> reports) {
  Runtime& rt = Runtime::current();
  statsAt_ = secondsNow();
  LbInput input;
  input.seed = step_;
  const comm::HostLayout hosts = rt.transport().hostLayout();  // which PEs share a node
  input.hosts = &hosts;
  input.coresPerHost = coresPerHost_;
  std::vector<const ObjectRecord*> records;
  input.pes.resize(static_cast<std::size_t>(rt.numPes()));
  for (int pe = 0; pe < rt.numPes(); ++pe) input.pes[static_cast<std::size_t>(pe)].pe = pe;
  for (const PeReport& r : reports) {
    input.pes[static_cast<std::size_t>(r.pe)].backgroundLoad = r.background;
    for (const ObjectRecord& o : r.objects) {
      ObjectStats s;
      s.id = records.size();
      s.pe = o.pe;
      s.load = o.load;
      s.migratable = o.migratable;
      input.objects.push_back(s);
      records.push_back(&o);
    }
  }
  // Communication between the objects of this step (others are background).
  std::unordered_map<ElementKey, std::uint64_t, ElementKeyHash> idOf;
  for (std::size_t i = 0; i < records.size(); ++i) idOf.emplace(ElementKey{records[i]->collection, records[i]->index}, i);
  std::uint64_t messages = 0;
  for (const PeReport& r : reports)
    for (const CommRecord& c : r.comm) {
      auto from = idOf.find(ElementKey{c.fromCollection, c.from});
      auto to = idOf.find(ElementKey{c.toCollection, c.to});
      if (from == idOf.end() || to == idOf.end()) continue;
      input.comm.push_back(CommEdge{from->second, to->second, c.messages, c.bytes});
      messages += c.messages;
    }
  filterInput(input, filter_);
  plan_ = strategy_->assign(input);
  checkAssignment(input, plan_, strategy_->name());
  strategyAt_ = secondsNow();
  input.hosts = nullptr;  // kept past this call
  input_ = std::move(input);
  messages_ = messages;
  keys_.clear();
  for (const ObjectRecord* r : records) keys_.push_back(ElementKey{r->collection, r->index});
  gateSummary_.clear();
  candidates_.clear();
  candidateMoves_.clear();
  if (gate_)
    for (std::size_t i = 0; i < plan_.size(); ++i)
      if (plan_[i] != input_.objects[i].pe) {
        candidates_.push_back(i);
        candidateMoves_.push_back(Move{keys_[i].collection, keys_[i].index, input_.objects[i].pe, plan_[i]});
      }
  if (candidateMoves_.empty()) {
    skipped_.clear();
    skippedSteps_ = 0;
    sendPlan();
    return;
  }
  thisProxy().broadcast<&LbManager::measureStates>(step_, candidateMoves_);
}

void LbManager::measureStates(std::uint32_t step, std::vector<Move> moves) {
  Runtime& rt = Runtime::current();
  const double start = secondsNow();
  SizeReport report;
  report.pe = rt.myPe();
  for (std::size_t k = 0; k < moves.size(); ++k) {
    const Move& m = moves[k];
    if (m.from != rt.myPe()) continue;
    Collection* c = rt.collections().find(m.collection);
    if (!c) continue;
    auto it = c->elements.find(m.index);
    if (it == c->elements.end()) continue;  // gone meanwhile: unknown size
    ChareBase& e = *it->second;
    EmbeddingHooks* hooks = rt.embeddingHooks();
    report.moves.push_back(static_cast<std::uint32_t>(k));
    report.bytes.push_back(hooks ? hooks->elementStateBytes(e) : EmbeddingHooks::pupStateBytes(e));
  }
  if (debug_ > 1 && !report.moves.empty())
    printLine(rt, "charm LB step %u PE %d: sized %zu elements in %.3f ms", step, rt.myPe(), report.moves.size(),
              (secondsNow() - start) * 1e3);
  contribute(report, charm::reducer::gather, thisProxy()[0].callback<&LbManager::gotStateSizes>());
}

void LbManager::gotStateSizes(std::vector<SizeReport> reports) {
  for (const SizeReport& r : reports)
    for (std::size_t j = 0; j < r.moves.size() && j < r.bytes.size(); ++j)
      if (r.moves[j] < candidates_.size()) input_.objects[candidates_[r.moves[j]]].stateBytes = r.bytes[j];
  // A plan proposed again after a skipped one: the gain has been waiting that long.
  auto same = [](const Move& a, const Move& b) {
    return a.collection == b.collection && a.index == b.index && a.to == b.to;
  };
  const bool again = std::any_of(candidateMoves_.begin(), candidateMoves_.end(), [&](const Move& m) {
    return std::any_of(skipped_.begin(), skipped_.end(), [&](const Move& s) { return same(m, s); });
  });
  if (!again) skippedSteps_ = 0;
  const GateDecision decision = gateMigrations(input_, plan_, bandwidth_.secondsPerByte(), 1.0 + skippedSteps_);
  plan_ = decision.assignment;
  skipped_.clear();
  for (std::size_t k = 0; k < candidates_.size(); ++k)
    if (plan_[candidates_[k]] == input_.objects[candidates_[k]].pe) skipped_.push_back(candidateMoves_[k]);
  skippedSteps_ = skipped_.empty() ? 0 : skippedSteps_ + 1;
  if (debug_ > 0) gateSummary_ = describe(decision, bandwidth_.secondsPerByte(), bandwidth_.measured());
  sendPlan();
}

void LbManager::sendPlan() {
  std::vector<Move> moves;
  for (std::size_t i = 0; i < plan_.size(); ++i)
    if (plan_[i] != input_.objects[i].pe)
      moves.push_back(Move{keys_[i].collection, keys_[i].index, input_.objects[i].pe, plan_[i]});
  // The busiest PE's bytes, when known (the cost check measured the sizes).
  const std::vector<std::uint64_t> bytes = peMigrationBytes(input_, plan_);
  planMaxPeBytes_ = bytes.empty() ? 0 : *std::max_element(bytes.begin(), bytes.end());
  if (debug_ > 0)
    stepSummary_ = describe(summarize(input_, plan_), strategy_->name()) + "; " +
                   std::to_string(input_.comm.size()) + " communicating pairs, " + std::to_string(messages_) +
                   " messages" + crossPeSummary(input_, plan_) + (gateSummary_.empty() ? "" : "; " + gateSummary_);
  planAt_ = secondsNow();
  if (moves.empty()) {
    // Nothing moves (the balanced case, or every move dropped by the cost check):
    // no PE has an element to send or to wait for, so the round of applyPlan and
    // the migrationsDone reduction (two message hops while every PE idles in the
    // AtSync barrier) would tell PE 0 only what it knows. The step ends here.
    finishStep(step_);
    return;
  }
  thisProxy().broadcast<&LbManager::applyPlan>(step_, moves);
}

void LbManager::applyPlan(std::uint32_t step, std::vector<Move> moves) {
  Runtime& rt = Runtime::current();
  expecting_ = true;
  expectingStep_ = step;
  expected_.clear();
  for (const Move& m : moves) {
    if (m.to == rt.myPe() && !cancelled_.erase(ElementKey{m.collection, m.index}))
      expected_.insert(ElementKey{m.collection, m.index});
    if (m.from != rt.myPe()) continue;
    try {
      rt.locations().requestMigration(m.collection, m.index, m.to);  // leaves after this entry returns
    } catch (const std::exception&) {
      // It left meanwhile or was pinned: the PE waiting for it must not wait.
      thisProxy()[m.to].invoke<&LbManager::notComing>(static_cast<std::uint64_t>(m.collection), m.index);
    }
  }
  maybeDoneMigrating();
}

void LbManager::notComing(std::uint64_t collection, ArrayIndex index) {
  const ElementKey key{collection, index};
  if (!expecting_ || !expected_.erase(key)) {
    cancelled_.insert(key);  // the plan has not reached this PE yet
    return;
  }
  maybeDoneMigrating();
}

void LbManager::elementArrived(CollectionId collection, const ArrayIndex& index) {
  arrived_.insert(ElementKey{collection, index});
  if (expecting_) maybeDoneMigrating();
}

void LbManager::collectionDestroyed(CollectionId collection) {
  auto ofIt = [collection](const ElementKey& k) { return k.collection == collection; };
  const bool stepRunsHere = (running_ && stepCollection_ == collection) ||
                            (expecting_ && std::any_of(expected_.begin(), expected_.end(), ofIt));
  if (stepRunsHere)
    Runtime::current().abort("ckDestroy: array " + std::to_string(collection) +
                             " was destroyed during its load-balancing step; destroy it after resumeFromSync");
  std::erase(waiting_, collection);
  lastAtSyncStep_.erase(collection);
  std::erase_if(arrived_, ofIt);
  std::erase_if(cancelled_, ofIt);
}

void LbManager::maybeDoneMigrating() {
  for (const ElementKey& k : expected_)
    if (!arrived_.count(k)) return;
  for (const ElementKey& k : expected_) arrived_.erase(k);
  expected_.clear();
  expecting_ = false;
  contribute(static_cast<std::uint64_t>(expectingStep_), charm::reducer::max,
             thisProxy()[0].callback<&LbManager::migrationsDone>());
}

void LbManager::migrationsDone(std::uint64_t step) { finishStep(step); }

void LbManager::finishStep(std::uint64_t step) {
  Runtime& rt = Runtime::current();
  ++stepsDone_;
  const double now = secondsNow();
  // The bandwidth of migrations, for the next steps' cost checks.
  bandwidth_.record(planMaxPeBytes_, now - planAt_);
  if (debug_ > 0)
    printLine(rt, "charm LB step %llu (%s): %s; %.3f ms (stats %.3f, strategy %.3f, state sizes %.3f, migration %.3f)",
              static_cast<unsigned long long>(step), stepCollection_ ? "AtSync" : "periodic", stepSummary_.c_str(),
              (now - stepStart_) * 1e3, (statsAt_ - stepStart_) * 1e3, (strategyAt_ - statsAt_) * 1e3,
              (planAt_ - strategyAt_) * 1e3, (now - planAt_) * 1e3);
  // The next step's loads are measured from here, not from collectStats: the
  // migrations of this step (packing and unpacking the elements' state) are no
  // load of the next period. Counted in, they made the PEs that received
  // elements look busy ("background"), so the next step moved elements away
  // from them again: with small periods GreedyLB sent every element back and
  // forth between two PEs at each step.
  thisProxy().broadcast<&LbManager::startMeasuring>();
  if (stepCollection_ != 0) broadcastResumeFromSync(rt, stepCollection_);
  running_ = false;
  if (!waiting_.empty()) {
    const CollectionId next = waiting_.front();
    waiting_.pop_front();
    startStep(next);
  }
}

void LbManager::startMeasuring() {
  Runtime& rt = Runtime::current();
  if (debug_ > 1 && firstAtSync_ != 0) {
    const auto sent = rt.locations().takeMigrationCounts();
    printLine(rt, "charm LB PE %d: %.3f ms from its first AtSync to the end of the step; sent %llu elements, "
              "%.3f MB, packed in %.3f ms", rt.myPe(), (secondsNow() - firstAtSync_) * 1e3,
              static_cast<unsigned long long>(sent.elements), static_cast<double>(sent.bytes) / 1e6,
              sent.packSeconds * 1e3);
    firstAtSync_ = 0;
  }
  rt.loadMeter().takeLoadSample();  // discarded: it covers the step
  rt.collections().forEach([&](Collection& c) {
    for (auto& [index, e] : c.elements) ChareInternals::resetLoad(*e);
  });
}

void LbManager::setInstrumentation(bool on) { Runtime::current().loadMeter().setInstrumentation(on); }

}  // namespace charm::lb

namespace charm {
std::string balancerName() { return lb::balancerFor(Runtime::current().flags()); }
}  // namespace charm
