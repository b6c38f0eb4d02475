// transport_external: a multi-PE test of MpiTransport's external payloads (a
// header followed by bytes sent from the caller's memory without a copy). Every
// PE sends bursts to every other PE that interleave ordinary messages (0 B to a
// few MiB) with external-payload messages (parts of 0 B, 16 B, 64 KiB, 3 MiB,
// now and then 20 MiB; headers up to 5 KiB, so some headers take the
// Imrecv path), while receiving. An external message must arrive as exactly the
// ordinary message it stands for: header and part contiguous, the part aligned.
// Every receiver checks per-pair FIFO order, sizes and content; every sender
// checks that each payload's memory was released by shutdown(). Released memory
// is poisoned, so a transport that let go of it too early shows up as corrupted
// bytes at the receiver. Exit code 0 on success; on failure, a message naming
// the PE and a non-zero exit code.
//
//   mpirun -n 4 transport_external
//   mpirun -x CHARMRT_LARGE_MESSAGE_THRESHOLD=4096 -n 4 transport_external
//                           # block datatypes for headers and parts from 4 KiB up
//   mpirun --mca btl_vader_single_copy_mechanism none -n 4 transport_external
//                           # big transfers need the sender's progress
//   mpirun -n 2 transport_external --huge   # also one 2 GiB + 17 B external part
//
// Options: --rounds N (default 16).
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "comm/idle_backoff.h"
#include "comm/mpi_transport.h"

using charm::comm::ExternalPayload;
using charm::comm::IdleBackoff;
using charm::comm::MessageBuffer;
using charm::comm::MpiTransport;
using charm::comm::ReceivedMessage;

namespace {

constexpr int kBurst = 10;                     // messages per destination per round
constexpr std::size_t kMaxPendingSends = 64;   // bounds memory held by in-flight sends
constexpr std::size_t kMiB = std::size_t{1} << 20;

// What message number `sequence` of every pair is: an ordinary message of
// `headerBytes`, or a header of `headerBytes` (a multiple of 16) followed by an
// external part of `partBytes`. A fixed pattern per round, with bigger parts in
// some rounds (odd sizes exercise the struct datatype of the large path).
struct Shape {
  bool external;
  std::size_t headerBytes;
  std::size_t partBytes;
  std::size_t total() const { return headerBytes + partBytes; }
};

Shape shapeOf(std::uint64_t sequence) {
  const std::uint64_t round = sequence / kBurst;
  switch (sequence % kBurst) {
    case 0: return {false, 8, 0};
    case 1: return {true, 16, 0};
    case 2: return {false, 0, 0};
    case 3: return {true, 32, 16};
    case 4: return {false, 100 * 1024, 0};
    case 5: return {true, 48, 64 * 1024};
    case 6: return {false, round % 8 == 0 ? 3 * kMiB + 13 : 17, 0};
    case 7: return {true, 64, round % 4 == 1 ? 3 * kMiB + 13 : 3 * kMiB};
    // Headers above the direct-receive limit: received with MPI_Imrecv, so the
    // part's receive (and those of later parts from that source) waits for them.
    case 8: return {true, round % 4 == 2 ? 256 * std::size_t{1024} : 5008, 1000 + round};
    default: return {true, 16, round % 8 == 3 ? 20 * kMiB : 4097};
  }
}

// Byte i of message `sequence` from `source`, whether it lies in the header or
// in the external part; the first 8 bytes (when there are 8) hold the sequence.
std::uint8_t patternByte(int source, std::uint64_t sequence, std::size_t i) {
  return static_cast<std::uint8_t>(source * 31 + sequence * 7 + i * 13);
}

void fillPattern(std::byte* bytes, std::size_t count, int source, std::uint64_t sequence,
                 std::size_t firstIndex) {
  auto* data = reinterpret_cast<std::uint8_t*>(bytes);
  for (std::size_t i = 0; i < count; ++i) data[i] = patternByte(source, sequence, firstIndex + i);
}

// The caller-owned memory of one external part. Counts live instances (so the
// test can tell every keepAlive was released) and poisons its bytes when freed.
class ExternalMemory {
 public:
  explicit ExternalMemory(std::size_t bytes) : bytes_(bytes) { ++live_; }
  ExternalMemory(const ExternalMemory&) = delete;
  ExternalMemory& operator=(const ExternalMemory&) = delete;
  ~ExternalMemory() {
    if (!bytes_.empty()) std::memset(bytes_.data(), 0xdd, bytes_.size());
    --live_;
  }
  std::byte* data() noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  static std::int64_t live() noexcept { return live_; }

 private:
  std::vector<std::byte> bytes_;
  static inline std::int64_t live_ = 0;  // one PE = one thread
};

void sendMessage(MpiTransport& transport, int dest, int me, std::uint64_t sequence) {
  const Shape shape = shapeOf(sequence);
  MessageBuffer header = MessageBuffer::allocate(shape.headerBytes);
  fillPattern(header.data(), shape.headerBytes, me, sequence, 0);
  if (shape.headerBytes >= sizeof sequence) std::memcpy(header.data(), &sequence, sizeof sequence);
  if (!shape.external) {
    transport.send(dest, std::move(header));
    return;
  }
  auto memory = std::make_shared<ExternalMemory>(shape.partBytes);
  fillPattern(memory->data(), shape.partBytes, me, sequence, shape.headerBytes);
  transport.send(dest, std::move(header), ExternalPayload{memory->data(), memory->size(), memory});
}

// Returns an empty string if `received` is message number `sequence` of its source.
std::string checkMessage(const ReceivedMessage& received, std::uint64_t sequence) {
  const Shape shape = shapeOf(sequence);
  const MessageBuffer& message = received.message;
  const std::string what = "message " + std::to_string(sequence) + " from PE " +
                           std::to_string(received.source);
  if (message.size() != shape.total())
    return what + " has " + std::to_string(message.size()) + " bytes, expected " +
           std::to_string(shape.total()) + " (out of order or truncated)";
  const auto* data = reinterpret_cast<const std::uint8_t*>(message.data());
  if (shape.external && reinterpret_cast<std::uintptr_t>(data + shape.headerBytes) % 16 != 0)
    return what + ": the external part is not 16-byte aligned";
  std::size_t start = 0;
  if (shape.total() >= sizeof sequence) {
    std::uint64_t got = 0;
    std::memcpy(&got, data, sizeof got);
    if (got != sequence)
      return "from PE " + std::to_string(received.source) + ": got message " +
             std::to_string(got) + ", expected " + std::to_string(sequence) + " (FIFO violated)";
    start = sizeof sequence;
  }
  for (std::size_t i = start; i < shape.total(); ++i)
    if (data[i] != patternByte(received.source, sequence, i))
      return what + ": wrong byte at offset " + std::to_string(i) +
             (i >= shape.headerBytes ? " (in the external part)" : " (in the header)");
  return {};
}

[[noreturn]] void fail(MpiTransport& transport, const std::string& what) {
  std::fprintf(stderr, "transport_external: PE %d: FAILED: %s\n", transport.rank(), what.c_str());
  std::fflush(stderr);
  transport.abortJob(1);
}

class ExternalTest {
 public:
  ExternalTest(MpiTransport& transport, std::uint64_t rounds)
      : transport_(transport),
        rounds_(rounds),
        nextExpected_(static_cast<std::size_t>(transport.size()), 0) {}

  void run() {
    const int me = transport_.rank();
    const int pes = transport_.size();
    for (std::uint64_t round = 0; round < rounds_; ++round) {
      for (int step = 1; step < pes; ++step) {
        const int dest = (me + step) % pes;  // everyone starts with a different peer
        for (int k = 0; k < kBurst; ++k)
          sendMessage(transport_, dest, me, round * kBurst + static_cast<std::uint64_t>(k));
      }
      // Now and then a PE stays away from MPI for a while, as if busy in an entry
      // method, so its receivers see big parts incomplete while later messages
      // from it have arrived (and its own deferred receives pile up).
      if (round % static_cast<std::uint64_t>(pes) == static_cast<std::uint64_t>(me))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      receiveWhile([&] { return transport_.pendingSends() > kMaxPendingSends; });
    }
    const std::uint64_t total = rounds_ * kBurst * static_cast<std::uint64_t>(pes - 1);
    receiveWhile([&] { return received_ < total || transport_.pendingSends() > 0; });
    for (int source = 0; source < pes; ++source)
      if (source != me && nextExpected_[static_cast<std::size_t>(source)] != rounds_ * kBurst)
        fail(transport_, "received " +
                             std::to_string(nextExpected_[static_cast<std::size_t>(source)]) +
                             " messages from PE " + std::to_string(source));
    // Every send has completed, so the transport must have let go of every part.
    if (ExternalMemory::live() != 0)
      fail(transport_, std::to_string(ExternalMemory::live()) +
                           " external payloads still held after all sends completed");
  }

 private:
  template <typename Condition>
  void receiveWhile(Condition keepGoing) {
    IdleBackoff backoff;
    ReceivedMessage received;
    while (keepGoing()) {
      if (!transport_.poll(received)) {
        backoff.idle();
        continue;
      }
      backoff.reset();
      if (received.source < 0 || received.source >= transport_.size() ||
          received.source == transport_.rank())
        fail(transport_, "message from impossible source " + std::to_string(received.source));
      auto& next = nextExpected_[static_cast<std::size_t>(received.source)];
      if (std::string error = checkMessage(received, next); !error.empty()) fail(transport_, error);
      ++next;
      ++received_;
      received.message.reset();
    }
  }

  MpiTransport& transport_;
  const std::uint64_t rounds_;
  std::vector<std::uint64_t> nextExpected_;
  std::uint64_t received_ = 0;
};

// One external part of more than 2 GiB from PE 0 to PE 1, checked by sampling;
// PE 0 checks its memory was released once the send completed.
void hugeExternal(MpiTransport& transport) {
  constexpr std::size_t kHeader = 16;
  constexpr std::size_t kHuge = (std::size_t{2} << 30) + 17;
  auto byteAt = [](std::size_t i) { return static_cast<std::byte>((i * 2654435761u) >> 13); };
  ReceivedMessage received;
  IdleBackoff backoff;
  if (transport.rank() == 0) {
    auto memory = std::make_shared<ExternalMemory>(kHuge);
    for (std::size_t i = 0; i < kHuge; i += 4093) memory->data()[i] = byteAt(i);
    memory->data()[kHuge - 1] = byteAt(kHuge - 1);
    MessageBuffer header = MessageBuffer::allocate(kHeader);
    std::memset(header.data(), 0x5a, kHeader);
    transport.send(1, std::move(header), ExternalPayload{memory->data(), kHuge, memory});
    memory.reset();
    while (transport.pendingSends() > 0)
      transport.poll(received) ? backoff.reset() : backoff.idle();
    if (ExternalMemory::live() != 0) fail(transport, "huge external payload not released");
  } else if (transport.rank() == 1) {
    while (!transport.poll(received)) backoff.idle();
    const std::byte* part = received.message.data() + kHeader;
    bool ok = received.source == 0 && received.message.size() == kHeader + kHuge &&
              received.message.data()[0] == std::byte{0x5a} && part[kHuge - 1] == byteAt(kHuge - 1);
    for (std::size_t i = 0; ok && i < kHuge; i += 4093) ok = part[i] == byteAt(i);
    if (!ok)
      fail(transport, "huge external message (" + std::to_string(received.message.size()) +
                          " bytes) corrupted");
    std::printf("transport_external: a %zu-byte external part arrived intact\n", kHuge);
  }
}

}  // namespace

int main(int argc, char** argv) {
  MpiTransport transport(&argc, &argv);
  std::uint64_t rounds = 16;
  bool huge = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--huge") {
      huge = true;
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::strtoull(argv[++i], nullptr, 10);
    } else {
      if (transport.rank() == 0)
        std::fprintf(stderr, "usage: transport_external [--rounds N] [--huge]\n");
      transport.abortJob(2);
    }
  }

  if (transport.size() > 1) {
    ExternalTest(transport, rounds).run();
    if (huge) hugeExternal(transport);
  }
  // A last external send on its way while everyone shuts down (the test lets go
  // of its own reference): shutdown() must complete it and release the memory.
  // The barrier keeps it out of the checked stream above: every PE has received
  // everything it expected before anyone sends it.
  if (transport.size() > 1) {
    MPI_Barrier(transport.communicator());
    auto memory = std::make_shared<ExternalMemory>(5 * kMiB);
    ExternalPayload payload{memory->data(), memory->size(), std::move(memory)};
    transport.send((transport.rank() + 1) % transport.size(), MessageBuffer::allocate(16),
                   std::move(payload));
  }
  transport.shutdown();
  if (ExternalMemory::live() != 0)
    fail(transport, std::to_string(ExternalMemory::live()) +
                        " external payloads still held after shutdown()");
  if (transport.rank() == 0)
    std::printf("transport_external: %d PEs, %llu rounds: per-pair order, content and release "
                "of external payloads OK\n",
                transport.size(), static_cast<unsigned long long>(rounds));
  return 0;
}
