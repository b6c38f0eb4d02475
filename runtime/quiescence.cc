#include "runtime/quiescence.h"

#include <algorithm>
#include <stdexcept>

#include "runtime/runtime.h"

namespace charm {

namespace {
constexpr double kFirstRetryDelay = 50e-6;  // seconds between waves while busy
constexpr double kMaxRetryDelay = 5e-3;
}  // namespace

void QuiescenceDetector::start(const Callback& callback) {
  const std::size_t size = packedSize(callback);
  MessageBuffer m = newMessage(MessageKind::QuiescenceStart, size);
  packInto(payloadOf(m), size, callback);
  runtime_.send(0, std::move(m));
}

void QuiescenceDetector::handleStart(MessageBuffer& message) {
  waiting_.push_back(unpackAs<Callback>(payloadOf(message), payloadSizeOf(message)));
  startDetecting();
}

void QuiescenceDetector::whenQuiescent(std::function<void()> fn) {
  if (runtime_.myPe() != 0) throw std::logic_error("charm: whenQuiescent() runs on PE 0 only");
  waitingInternal_.push_back(std::move(fn));
  startDetecting();
}

void QuiescenceDetector::probe(ProbeResult fn, bool withReports) {
  if (runtime_.myPe() != 0) throw std::logic_error("charm: QuiescenceDetector::probe() runs on PE 0 only");
  probes_.push_back(Probe{std::move(fn), 0, withReports});
  startDetecting();
}

void QuiescenceDetector::startDetecting() {
  if (detecting_) return;
  detecting_ = true;
  havePrevious_ = false;
  retryDelay_ = kFirstRetryDelay;
  startWave();
}

void QuiescenceDetector::startWave() {
  MessageBuffer m = newMessage(MessageKind::QuiescenceWave, 0);
  envelopeOf(m).setQuiescenceWave(wave_ + 1);
  for (const Probe& p : probes_)
    if (p.withReports) envelopeOf(m).flags = kWaveWithReports;
  runtime_.send(0, std::move(m));
}

void QuiescenceDetector::handleWave(MessageBuffer& message) {
  wave_ = envelopeOf(message).quiescenceWave();
  const SpanningTree tree = runtime_.tree(0);
  const int me = runtime_.myPe();
  for (int i = 0; i < tree.numChildren(me); ++i) {
    MessageBuffer copy = copyMessage(message);
    runtime_.send(tree.child(me, i), std::move(copy));
  }
  waveCounts_ = localCounts(hasFlag(envelopeOf(message), kWaveWithReports));
  active_ = false;
  repliesMissing_ = tree.numChildren(me);
  if (repliesMissing_ == 0) reportWave();
}

void QuiescenceDetector::handleReply(MessageBuffer& message) {
  if (envelopeOf(message).quiescenceWave() != wave_) return;  // cannot happen: waves do not overlap
  auto child = unpackAs<Counts>(payloadOf(message), payloadSizeOf(message));
  waveCounts_.sent += child.sent;
  waveCounts_.processed += child.processed;
  waveCounts_.active = waveCounts_.active || child.active;
  waveCounts_.suspendedFibers += child.suspendedFibers;
  waveCounts_.pendingTimers += child.pendingTimers;
  for (auto& report : child.reports) waveCounts_.reports.push_back(std::move(report));
  if (--repliesMissing_ == 0) reportWave();
}

void QuiescenceDetector::reportWave() {
  const int me = runtime_.myPe();
  if (me != 0) {
    const std::size_t size = packedSize(waveCounts_);
    MessageBuffer m = newMessage(MessageKind::QuiescenceReply, size);
    envelopeOf(m).setQuiescenceWave(wave_);
    packInto(payloadOf(m), size, waveCounts_);
    runtime_.send(runtime_.tree(0).parent(me), std::move(m));
    return;
  }
  // PE 0: the wave's totals are complete.
  Counts now = std::move(waveCounts_);
  waveCounts_ = Counts{};
  std::sort(now.reports.begin(), now.reports.end());
  const bool hadReports = !now.reports.empty();  // every PE reports when asked
  const bool balanced = now.sent == now.processed;
  if (balanced && havePrevious_ && !now.active && previous_.sent == now.sent &&
      previous_.processed == now.processed) {
    detecting_ = false;
    havePrevious_ = false;
    std::vector<Callback> done;
    done.swap(waiting_);
    std::vector<std::function<void()>> internal;
    internal.swap(waitingInternal_);
    std::vector<Probe> probes;
    probes.swap(probes_);
    // The program's callbacks make new work: to probes, this wave was not quiet.
    if (!done.empty() || !internal.empty()) now.active = true;
    for (auto& fn : internal) fn();
    for (const Callback& cb : done) runtime_.fire(cb, nullptr, 0);
    for (Probe& p : probes) {
      if (p.withReports && !hadReports)
        probes_.push_back(std::move(p));  // joined after this wave left: the next one asks
      else
        p.fn(!now.active, now);
    }
    if (!probes_.empty()) startDetecting();
    return;
  }
  previous_ = now;
  previous_.reports.clear();
  havePrevious_ = balanced;
  // Probes give up once they have seen the program busy in a full round (the first
  // wave of a round can never conclude), or, asking for reports, once they have them.
  std::vector<Probe> probes;
  probes.swap(probes_);
  for (Probe& p : probes) {
    ++p.wavesSeen;
    if (p.withReports ? hadReports : p.wavesSeen >= 2)
      p.fn(false, now);
    else
      probes_.push_back(std::move(p));
  }
  if (waiting_.empty() && waitingInternal_.empty() && probes_.empty()) {
    detecting_ = false;  // only probes were waiting: stop, they poll again
    havePrevious_ = false;
    return;
  }
  if (balanced) {
    startWave();  // confirm at once
  } else {
    runtime_.scheduler().after(retryDelay_, [this] { startWave(); });
    retryDelay_ = std::min(retryDelay_ * 2, kMaxRetryDelay);
  }
}

QuiescenceDetector::Counts QuiescenceDetector::localCounts(bool withReport) {
  Counts c{sent_, processed_, active_, runtime_.scheduler().pool().live(), runtime_.scheduler().pendingTimers(), {}};
  if (withReport) {
    EmbeddingHooks* embedding = runtime_.embeddingHooks();
    std::string text = embedding ? embedding->waitingReport(c.suspendedFibers)
                                 : EmbeddingHooks::defaultWaitingReport(c.suspendedFibers);
    c.reports.emplace_back(runtime_.myPe(), std::move(text));
  }
  return c;
}

}  // namespace charm
