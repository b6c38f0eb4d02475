// OutputForwarder: makes what PEs print reach mpirun as whole lines, in order per PE.
//
// mpirun reads each rank's stdout/stderr pipe in chunks that need not end at a
// newline and writes chunks of different ranks one after the other, so lines that
// two PEs print at once come out torn ("FLOOD 1 ...FLOOD 0 ..."). While the
// scheduler runs on several PEs, PEs other than 0 therefore never write to their own
// pipes: they collect complete lines and send them in batches to PE 0, which writes
// each batch with write() calls of whole lines, as Charm++ does through charmrun.
// PE 0 acknowledges every batch; a PE keeps what is not acknowledged yet, so if it
// must end the job itself while PE 0 is busy (an abort, an exit PE 0 does not join)
// it writes that output directly instead of losing it.
//
// A partial last line waits for its newline (or the end of forwarding, where it is
// completed with one), so no line is glued to another PE's. Everywhere else (PE 0,
// one PE, before the scheduler starts and after it stopped, a PE that aborts) output
// is written directly, complete lines at once, a partial line when it is completed
// or explicitly flushed.
//
// Batches go out when they reach kBatchBytes, when kMaxDelay has passed since the
// last batch (checked at each write and each scheduler pass, so a PE that prints
// rarely sends each line at once, and a PE printing in a long loop still gets its
// lines out), when the scheduler finds nothing to do, and on an explicit flush.
// One object per PE, owned by its Runtime; the Runtime moves the batches.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace charm {

// A standard output stream; the value is its file descriptor.
enum class OutputStream : std::uint8_t { Stdout = 1, Stderr = 2 };

// Writes all `size` bytes to `fd`, looping over partial writes and interruptions
// (and waiting while a non-blocking pipe is full). An error (a closed pipe) drops
// the rest: printing must never end the program.
void writeWhole(int fd, const char* data, std::size_t size) noexcept;

class OutputForwarder {
 public:
  // Hands one batch of complete lines to PE 0.
  using Sender = std::function<void(OutputStream stream, std::string_view lines)>;
  static constexpr std::size_t kBatchBytes = 64 * 1024;
  static constexpr std::chrono::milliseconds kMaxDelay{5};

  // The program's bytes for `stream` (any split: lines may arrive in pieces).
  void write(OutputStream stream, std::string_view bytes);
  // An explicit flush: forwarding, sends the complete lines now (a partial line still
  // waits for its newline); direct, writes the partial line too.
  void flush(OutputStream stream);

  // From now on complete lines go to `sender` (PEs other than 0, several PEs).
  void startForwarding(Sender sender);
  bool forwarding() const noexcept { return static_cast<bool>(sender_); }
  // Called once per scheduler pass: sends the pending lines if they are due
  // (kMaxDelay passed, or `idle`: the scheduler found nothing to do).
  void schedulerPass(bool idle) {
    if (linesWaiting_) sendIfDue(idle);
  }
  // Ends forwarding: sends everything pending, a partial line completed with a
  // newline; output is written directly from then on. Batches sent but not yet
  // acknowledged stay kept (see writeUnacknowledged).
  void stopForwarding();
  // PE 0 wrote the oldest batch not acknowledged yet.
  void acknowledged();
  std::size_t unacknowledgedBatches() const noexcept { return unacknowledged_.size(); }

  // Writes, to this PE's own descriptors, the batches PE 0 has not acknowledged and
  // then everything pending (partial lines completed with a newline): for a PE that
  // ends the job itself, since PE 0 may then die before writing them. Sends nothing.
  void writeAllDirectly() noexcept;

 private:
  struct Pending {
    std::string bytes;
    std::size_t completeEnd = 0;  // bytes[0, completeEnd) are whole lines
  };
  struct SentBatch {
    OutputStream stream;
    std::string lines;
  };
  Pending& pending(OutputStream stream) { return stream == OutputStream::Stdout ? stdout_ : stderr_; }
  void sendIfDue(bool idle);
  void sendAll();
  void writeDirectly(OutputStream stream, bool withPartialLine);

  Pending stdout_;
  Pending stderr_;
  Sender sender_;  // set while forwarding
  bool linesWaiting_ = false;  // some stream has complete lines not sent yet
  std::chrono::steady_clock::time_point lastSend_{};
  std::deque<SentBatch> unacknowledged_;  // in send order, as PE 0 acknowledges them
};

}  // namespace charm
