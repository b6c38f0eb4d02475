#include "runtime/output_forwarder.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace charm {

void writeWhole(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
    } else {
      return;  // the reader is gone, or the descriptor is closed
    }
  }
}

void OutputForwarder::write(OutputStream stream, std::string_view bytes) {
  if (bytes.empty()) return;
  Pending& p = pending(stream);
  const std::size_t lastNewline = bytes.rfind('\n');
  if (!forwarding() && p.bytes.empty() && lastNewline != std::string_view::npos) {
    // Direct, nothing held: the complete lines go straight out, no copy.
    writeWhole(static_cast<int>(stream), bytes.data(), lastNewline + 1);
    p.bytes.assign(bytes.substr(lastNewline + 1));
    return;
  }
  p.bytes.append(bytes);
  if (lastNewline == std::string_view::npos) return;
  p.completeEnd = p.bytes.size() - (bytes.size() - lastNewline - 1);
  if (!forwarding()) {
    writeDirectly(stream, /*withPartialLine=*/false);
    return;
  }
  linesWaiting_ = true;
  if (p.completeEnd >= kBatchBytes) {
    sendAll();
    return;
  }
  sendIfDue(/*idle=*/false);
}

void OutputForwarder::flush(OutputStream stream) {
  if (forwarding()) {
    if (linesWaiting_) sendAll();
  } else {
    writeDirectly(stream, /*withPartialLine=*/true);
  }
}

void OutputForwarder::startForwarding(Sender sender) {
  // What is held from before (partial lines) is forwarded with what follows it.
  sender_ = std::move(sender);
  lastSend_ = {};
}

void OutputForwarder::sendIfDue(bool idle) {
  if (idle || std::chrono::steady_clock::now() - lastSend_ >= kMaxDelay) sendAll();
}

void OutputForwarder::sendAll() {
  for (OutputStream stream : {OutputStream::Stdout, OutputStream::Stderr}) {
    Pending& p = pending(stream);
    if (p.completeEnd == 0) continue;
    SentBatch batch{stream, p.bytes.substr(0, p.completeEnd)};
    p.bytes.erase(0, p.completeEnd);
    p.completeEnd = 0;
    sender_(stream, batch.lines);
    unacknowledged_.push_back(std::move(batch));
  }
  linesWaiting_ = false;
  lastSend_ = std::chrono::steady_clock::now();
}

void OutputForwarder::stopForwarding() {
  if (!forwarding()) return;
  for (Pending* p : {&stdout_, &stderr_}) {
    if (p->bytes.size() > p->completeEnd) {
      p->bytes.push_back('\n');  // another PE's line must not continue this one
      p->completeEnd = p->bytes.size();
      linesWaiting_ = true;
    }
  }
  if (linesWaiting_) sendAll();
  sender_ = nullptr;
}

void OutputForwarder::acknowledged() {
  if (!unacknowledged_.empty()) unacknowledged_.pop_front();
}

void OutputForwarder::writeDirectly(OutputStream stream, bool withPartialLine) {
  Pending& p = pending(stream);
  const std::size_t end = withPartialLine ? p.bytes.size() : p.completeEnd;
  if (end == 0) return;
  writeWhole(static_cast<int>(stream), p.bytes.data(), end);
  p.bytes.erase(0, end);
  p.completeEnd = 0;
}

void OutputForwarder::writeAllDirectly() noexcept {
  sender_ = nullptr;
  linesWaiting_ = false;
  for (const SentBatch& batch : unacknowledged_)
    writeWhole(static_cast<int>(batch.stream), batch.lines.data(), batch.lines.size());
  unacknowledged_.clear();
  for (OutputStream stream : {OutputStream::Stdout, OutputStream::Stderr}) {
    Pending& p = pending(stream);
    try {
      if (!p.bytes.empty() && p.bytes.back() != '\n') p.bytes.push_back('\n');  // one write per line
    } catch (...) {  // no memory: the line goes out unterminated
    }
    writeWhole(static_cast<int>(stream), p.bytes.data(), p.bytes.size());
    p.bytes.clear();
    p.completeEnd = 0;
  }
}

}  // namespace charm
