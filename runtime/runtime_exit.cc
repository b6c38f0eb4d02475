// Runtime: output and ending. PEs other than 0 forward their output to PE 0 in
// whole lines (OutputForwarder), which writes it; exit() stops every PE's
// scheduler, after which each PE hands over its last output (finishOutput) before
// the PEs shut down together; abort() ends the job at once, through PE 0 when it
// can so that the reason reaches mpirun after the PE's earlier lines.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "charm/chare_base.h"
#include "runtime/registry.h"
#include "runtime/runtime.h"
#include "runtime/wire_framing.h"

namespace charm {

namespace {
// An exiting PE whose output PE 0 has not acknowledged (PE 0 is busy) writes it
// itself and ends the job this long before the other PEs give up on the busy one
// (Runtime::kExitGrace), so that none of them ends the job while it writes.
constexpr auto kWriteOutputMargin = std::chrono::milliseconds(500);
}  // namespace

// --- output -----------------------------------------------------------------

void Runtime::sendOutput(OutputStream stream, std::string_view lines) {
  MessageBuffer m = newMessage(MessageKind::Output, lines.size());
  if (!lines.empty()) std::memcpy(payloadOf(m), lines.data(), lines.size());
  envelopeOf(m).setOutputStream(static_cast<std::uint32_t>(stream));
  send(0, std::move(m));
}

void Runtime::writeForwardedOutput(const MessageBuffer& message) {
  const Envelope& env = envelopeOf(message);
  // Written at once, so that it is out even if the job ends soon after.
  writeWhole(static_cast<int>(env.outputStream() == 2 ? OutputStream::Stderr : OutputStream::Stdout),
             reinterpret_cast<const char*>(payloadOf(message)), env.payloadSize);
  send(env.sourcePe, newMessage(MessageKind::OutputWritten, 0));
}

namespace {
bool carriesOutput(MessageKind kind) {
  return kind == MessageKind::Output || kind == MessageKind::OutputWritten || kind == MessageKind::OutputDone ||
         kind == MessageKind::AbortJob;
}
}  // namespace

bool Runtime::finishOutput(std::chrono::steady_clock::time_point deadline) {
  if (numPes_ == 1) return true;
  if (myPe_ != 0) {
    output_.stopForwarding();
    send(0, newMessage(MessageKind::OutputDone, 0));  // after its output: per-pair FIFO
  }
  const auto finished = [this] {
    return myPe_ == 0 ? outputDonePes_ >= numPes_ - 1 : output_.unacknowledgedBatches() == 0;
  };
  const auto giveUp = myPe_ == 0 ? deadline : deadline - kWriteOutputMargin;
  comm::ReceivedMessage incoming;
  comm::IdleBackoff backoff;
  while (!finished()) {
    if (std::chrono::steady_clock::now() >= giveUp) return false;
    if (transport_.poll(incoming)) {
      // The program has ended: anything but output is dropped, as shutdown would.
      if (carriesOutput(envelopeOf(incoming.message).kind)) dispatch(incoming.message);
      backoff.reset();
    } else {
      backoff.idle();
    }
  }
  return true;
}

// --- ending ----------------------------------------------------------------

void Runtime::exit(int code) {
  for (int pe = 0; pe < numPes_; ++pe) {
    MessageBuffer m = newMessage(MessageKind::Exit, 0);
    envelopeOf(m).setExitCode(code);
    send(pe, std::move(m));
  }
}

void Runtime::abort(const std::string& message) {
  const std::string text = "charm: abort on PE " + std::to_string(myPe_) + ": " + message + "\n";
  std::fflush(nullptr);
  if (output_.forwarding() && !aborting_) {
    aborting_ = true;
    try {
      // PE 0 writes this PE's output and the reason after the lines it already has
      // from here, then ends the job; meanwhile this PE only counts acknowledgements.
      output_.write(OutputStream::Stderr, text);
      output_.stopForwarding();
      MessageBuffer m = newMessage(MessageKind::AbortJob, 0);
      envelopeOf(m).setExitCode(1);
      send(0, std::move(m));
      const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
      comm::ReceivedMessage incoming;
      comm::IdleBackoff backoff;
      while (std::chrono::steady_clock::now() < deadline) {
        if (transport_.poll(incoming)) {
          if (envelopeOf(incoming.message).kind == MessageKind::OutputWritten) output_.acknowledged();
          backoff.reset();
        } else {
          backoff.idle();
        }
      }
    } catch (...) {  // the transport failed: write it all here
    }
    output_.writeAllDirectly();  // what PE 0, busy, did not write
  } else {
    output_.writeAllDirectly();
    writeWhole(2, text.data(), text.size());
  }
  transport_.abortJob(1);
  std::abort();  // not reached: abortJob does not return
}

}  // namespace charm
