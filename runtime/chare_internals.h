// ChareInternals: the runtime side of ChareBase. What the runtime, the load
// balancer and the embedded Python layer need of a chare (its reduction and
// broadcast numbering, measured load, migration packing) is private in
// ChareBase, so user classes do not see it; these static functions, befriended
// by ChareBase, are the one way in. Internal: never installed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "charm/chare_base.h"

namespace charm {

class ChareInternals {
 public:
  // --- reductions (the embedded layer's contributions) ---------------------------
  static void contributeReduction(ChareBase& e, ReductionValue value, const Callback& callback,
                                  SectionId section = 0) {
    e.contributeReduction(std::move(value), callback, section);
  }
  static void contributeNumeric(ChareBase& e, const NumericSpan& value, const Callback& callback) {
    e.contributeNumeric(value, callback);
  }
  static void contributeAllReduceMarker(ChareBase& e, std::string_view form, const Callback& callback) {
    e.contributeAllReduceMarker(form, callback);
  }
  // The number the next contribution of `e` goes to. A contribution that throws
  // does not use up its number.
  static std::uint32_t nextReductionNumber(const ChareBase& e) { return e.nextReduction_; }
  static ArrayIndex sectionGatherKey(const ChareBase& e, SectionId section) { return e.sectionGatherKey(section); }
  static void contributeBroadcastReply(ChareBase& e, const InvokeContext& ctx, ReductionValue value,
                                       const Callback& callback) {
    e.contributeBroadcastReply(ctx, std::move(value), callback);
  }
  static ArrayIndex replyGatherKey(const ChareBase& e, const InvokeContext& ctx) { return e.replyGatherKey(ctx); }

  // --- broadcasts ------------------------------------------------------------------
  // Broadcasts to an element are delivered in their numbering order, also when
  // it moves: the number of the next one it takes.
  static std::uint32_t nextBroadcast(const ChareBase& e) { return e.nextBroadcast_; }
  static void setNextBroadcast(ChareBase& e, std::uint32_t n) { e.nextBroadcast_ = n; }

  // --- migration ---------------------------------------------------------------------
  static EntryId migrationEntry(const ChareBase& e) { return e.migrationEntry(); }
  static std::string migrationBlocker(const ChareBase& e) { return e.migrationBlocker(); }
  static void packState(ChareBase& e, Pup& p) { e.packState(p); }
  static std::string busyReason(const ChareBase& e) { return e.busyReason(); }
  static void pupRuntimeState(ChareBase& e, Pup& p) { e.pupRuntimeState(p); }
  // The PE the collection's map put the element on.
  static int homePe(const ChareBase& e) { return e.homePe_; }

  // --- load balancing ------------------------------------------------------------------
  // Wall time spent in the element's entry methods since the last balancing step.
  static double measuredLoad(const ChareBase& e) { return e.load_; }
  static void addLoad(ChareBase& e, double seconds) { e.load_ += seconds; }
  static void resetLoad(ChareBase& e) { e.load_ = 0; }
  // Whether the runtime measures the element (array elements and singletons).
  static bool measured(const ChareBase& e) { return e.measured_; }
  // The number of the element's next AtSync (the load balancer's reduction number).
  static std::uint32_t takeSyncNumber(ChareBase& e) { return e.syncCount_++; }
};

}  // namespace charm
