// Runtime: what it does for load balancing. Its LoadMeter measures loads (see
// load_meter.h); here it runs the start-up hooks that install the balancer (lb/),
// passes AtSync() calls to it, and sends resumeFromSync() through an entry
// registered here for every chare type.
#include <memory>
#include <vector>

#include "charm/chare_base.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"

namespace charm {

namespace {
std::vector<StartupHook>& startupHooks() {
  static std::vector<StartupHook> hooks;
  return hooks;
}

void invokeResumeFromSync(ChareBase* element, InvokeContext&) { element->resumeFromSync(); }

// The entry that calls resumeFromSync() on any chare.
EntryInfo* const resumeEntry =
    Registry::instance().addEntry("charm::resumeFromSync", &invokeResumeFromSync, "charm::ChareBase", false);
}  // namespace

int registerStartupHook(StartupHook hook) {
  startupHooks().push_back(hook);
  return static_cast<int>(startupHooks().size());
}

void runStartupHooks(Runtime& runtime) {
  for (StartupHook hook : startupHooks()) hook(runtime);
}

void atSync(Runtime& runtime, ChareBase& e) {
  if (LoadBalancerHooks* balancer = runtime.loadMeter().balancer()) {
    balancer->atSync(e);
    return;
  }
  resumeFromSync(runtime, e);
}

void resumeFromSync(Runtime& runtime, ChareBase& e) {
  runtime.sendEntryCall(e.collectionId(), e.chareIndex(), runtime.myPe(), resumeEntry->id,
                        newMessage(MessageKind::EntryCall, 0));
}

void broadcastResumeFromSync(Runtime& runtime, CollectionId collection) {
  runtime.broadcastEntry(collection, resumeEntry->id, newMessage(MessageKind::EntryCall, 0));
}

}  // namespace charm
