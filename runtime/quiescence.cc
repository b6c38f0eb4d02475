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

void QuiescenceDetector::startDetecting() {
  if (detecting_) return;
  detecting_ = true;
  havePrevious_ = false;
  retryDelay_ = kFirstRetryDelay;
  startWave();
}

void QuiescenceDetector::startWave() {
  MessageBuffer m = newMessage(MessageKind::QuiescenceWave, 0);
  envelopeOf(m).sequence = wave_ + 1;
  runtime_.send(0, std::move(m));
}

void QuiescenceDetector::handleWave(MessageBuffer& message) {
  wave_ = envelopeOf(message).sequence;
  const SpanningTree tree = runtime_.tree(0);
  const int me = runtime_.myPe();
  for (int i = 0; i < tree.numChildren(me); ++i) {
    MessageBuffer copy = copyMessage(message);
    runtime_.send(tree.child(me, i), std::move(copy));
  }
  waveCounts_ = Counts{sent_, processed_, active_};
  active_ = false;
  repliesMissing_ = tree.numChildren(me);
  if (repliesMissing_ == 0) reportWave();
}

void QuiescenceDetector::handleReply(MessageBuffer& message) {
  if (envelopeOf(message).sequence != wave_) return;  // cannot happen: waves do not overlap
  auto child = unpackAs<Counts>(payloadOf(message), payloadSizeOf(message));
  waveCounts_.sent += child.sent;
  waveCounts_.processed += child.processed;
  waveCounts_.active = waveCounts_.active || child.active;
  if (--repliesMissing_ == 0) reportWave();
}

void QuiescenceDetector::reportWave() {
  const int me = runtime_.myPe();
  if (me != 0) {
    const std::size_t size = packedSize(waveCounts_);
    MessageBuffer m = newMessage(MessageKind::QuiescenceReply, size);
    envelopeOf(m).sequence = wave_;
    packInto(payloadOf(m), size, waveCounts_);
    runtime_.send(runtime_.tree(0).parent(me), std::move(m));
    return;
  }
  // PE 0: the wave's totals are complete.
  const Counts now = waveCounts_;
  const bool balanced = now.sent == now.processed;
  if (balanced && havePrevious_ && !now.active && previous_.sent == now.sent &&
      previous_.processed == now.processed) {
    detecting_ = false;
    havePrevious_ = false;
    std::vector<Callback> done;
    done.swap(waiting_);
    std::vector<std::function<void()>> internal;
    internal.swap(waitingInternal_);
    for (auto& fn : internal) fn();
    for (const Callback& cb : done) runtime_.fire(cb, nullptr, 0);
    return;
  }
  previous_ = now;
  havePrevious_ = balanced;
  if (balanced) {
    startWave();  // confirm at once
  } else {
    runtime_.after(retryDelay_, [this] { startWave(); });
    retryDelay_ = std::min(retryDelay_ * 2, kMaxRetryDelay);
  }
}

}  // namespace charm
