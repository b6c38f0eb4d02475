// Runtime: what it does for load balancing. It measures (while instrumentation is
// on) the wall time of every entry method per element and this PE's idle time,
// passes AtSync() calls and migration arrivals to the balancer (lb/, installed by
// a start-up hook), and broadcasts resumeFromSync() through an entry registered
// here for every chare type.
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

void Runtime::atSync(ChareBase& e) {
  if (lb_) {
    lb_->atSync(e);
    return;
  }
  resumeElement(e);
}

void Runtime::resumeElement(ChareBase& e) {
  sendEntryCall(e.collectionId(), e.chareIndex(), myPe_, resumeEntry->id, newMessage(MessageKind::EntryCall, 0));
}

void Runtime::broadcastResumeFromSync(CollectionId collection) {
  broadcastEntry(collection, resumeEntry->id, newMessage(MessageKind::EntryCall, 0));
}

void Runtime::countCommunication(CollectionId to, const ArrayIndex& index, std::size_t bytes) {
  CommCount& c = comm_[CommPair{ElementKey{running_->collectionId(), running_->chareIndex()}, ElementKey{to, index}}];
  ++c.messages;
  c.bytes += bytes;
}

Runtime::LoadSample Runtime::takeLoadSample() {
  const auto now = std::chrono::steady_clock::now();
  if (idle_) {  // called between idle passes: count the idle time so far
    idleSeconds_ += std::chrono::duration<double>(now - idleSince_).count();
    idleSince_ = now;
  }
  LoadSample s;
  s.wall = std::chrono::duration<double>(now - sampleStart_).count();
  s.objects = objectSeconds_;
  s.idle = idleSeconds_;
  sampleStart_ = now;
  objectSeconds_ = 0;
  idleSeconds_ = 0;
  return s;
}

}  // namespace charm
