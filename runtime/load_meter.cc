// LoadMeter: timing entry methods and counting communication (see load_meter.h).
#include "runtime/load_meter.h"

#include "charm/chare_base.h"
#include "runtime/chare_internals.h"

namespace charm {

void LoadMeter::invokeMeasured(EntryInvoker invoke, ChareBase* element, InvokeContext& ctx) {
  if (!ChareInternals::measured(*element)) {
    invoke(element, ctx);
    return;
  }
  const auto t0 = Clock::now();
  ChareBase* outer = running_;
  running_ = element;  // messages it sends count as its communication
  invoke(element, ctx);
  running_ = outer;
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ChareInternals::addLoad(*element, seconds);
  objectSeconds_ += seconds;
}

void LoadMeter::countCommunication(CollectionId to, const ArrayIndex& index, std::size_t bytes) {
  CommCount& c = comm_[CommPair{ElementKey{running_->collectionId(), running_->chareIndex()}, ElementKey{to, index}}];
  ++c.messages;
  c.bytes += bytes;
}

LoadMeter::LoadSample LoadMeter::takeLoadSample() {
  const auto now = Clock::now();
  // Called from a handler, in the first pass that works after idling: the idle
  // time ended when that pass started. (Counted up to now, as before, and then
  // again from idleSince_ = now by passWorked, the work of the pass became
  // negative idle time: the element constructors' time, for the first step.)
  if (idle_) endIdle();
  LoadSample s;
  s.wall = std::chrono::duration<double>(now - sampleStart_).count();
  s.objects = objectSeconds_;
  s.idle = idleSeconds_;
  sampleStart_ = now;
  objectSeconds_ = 0;
  idleSeconds_ = 0;
  return s;
}

void LoadMeter::forgetCollection(CollectionId id) {
  std::erase_if(comm_, [id](const auto& c) { return c.first.from.collection == id || c.first.to.collection == id; });
}

}  // namespace charm
