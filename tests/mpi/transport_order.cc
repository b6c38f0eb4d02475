// transport_order: a multi-PE test of MpiTransport. Every PE sends bursts of
// messages of varying sizes (0 B, 8 B, 1 KiB, 100 KiB, a few MiB) to every other
// PE, each carrying its sequence number and a content pattern, while receiving;
// every receiver checks per-pair FIFO order, sizes and content. Then all PEs
// shut down. Exit code 0 on success; on failure, a message naming the PE and a
// non-zero exit code.
//
//   mpirun -n 4 transport_order                 # the normal paths
//   mpirun -x CHARMRT_LARGE_MESSAGE_THRESHOLD=4096 -n 4 transport_order
//                                               # the >INT_MAX path with small messages
//   mpirun --mca btl_vader_single_copy_mechanism none -n 4 transport_order
//                                               # large transfers need the sender's
//                                               # progress: exercises holding back
//   mpirun -n 2 transport_order --huge          # also one real 2 GiB + 17 B message
//   mpirun -n 2 transport_order --provoke-mpi-error   # must abort, naming the PE
//
// Options: --rounds N (default 20).
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "comm/idle_backoff.h"
#include "comm/mpi_transport.h"

using charm::comm::IdleBackoff;
using charm::comm::MessageBuffer;
using charm::comm::MpiTransport;
using charm::comm::ReceivedMessage;

namespace {

constexpr int kBurst = 8;                       // messages per destination per round
constexpr std::size_t kMaxPendingSends = 64;    // bounds memory held by in-flight sends

// Size of message number `sequence` on every pair: a fixed pattern, with one
// multi-MiB message every eighth round (odd sizes exercise the size trailer),
// and by round the sizes at MpiTransport's edges: the largest small message
// copied out of its posted receive (8192), one more, the largest sent whole
// (32512), one more; and the edges of earlier versions (512, 4000).
std::size_t sizeOf(std::uint64_t sequence) {
  constexpr std::size_t kEdges[] = {8, 512, 513, 4000, 4001, 8192, 8193, 32512, 32513};
  switch (sequence % kBurst) {
    case 0: return 8;
    case 1: return 0;
    case 2: return 100 * 1024;
    case 3: return kEdges[(sequence / kBurst) % std::size(kEdges)];
    case 4: return 1024;
    case 5: return (sequence / kBurst) % 8 == 0 ? (std::size_t{3} << 20) + 13 : 4097;
    case 6: return 0;
    default: return 17;
  }
}

std::uint8_t patternByte(int source, std::uint64_t sequence, std::size_t i) {
  return static_cast<std::uint8_t>(source * 31 + sequence * 7 + i * 13);
}

// Layout: [sequence : 8 bytes][pattern bytes...]; shorter messages keep what fits.
MessageBuffer makeMessage(int source, std::uint64_t sequence, std::size_t bytes) {
  MessageBuffer message = MessageBuffer::allocate(bytes);
  auto* data = reinterpret_cast<std::uint8_t*>(message.data());
  for (std::size_t i = 0; i < bytes; ++i) data[i] = patternByte(source, sequence, i);
  if (bytes >= sizeof sequence) std::memcpy(data, &sequence, sizeof sequence);
  return message;
}

// Returns an empty string if `message` is message number `sequence` from `source`.
std::string checkMessage(const ReceivedMessage& received, std::uint64_t sequence) {
  const std::size_t expected = sizeOf(sequence);
  const MessageBuffer& message = received.message;
  if (message.size() != expected)
    return "message " + std::to_string(sequence) + " from PE " + std::to_string(received.source) +
           " has " + std::to_string(message.size()) + " bytes, expected " +
           std::to_string(expected) + " (out of order or truncated)";
  const auto* data = reinterpret_cast<const std::uint8_t*>(message.data());
  std::size_t start = 0;
  if (expected >= sizeof sequence) {
    std::uint64_t got = 0;
    std::memcpy(&got, data, sizeof got);
    if (got != sequence)
      return "from PE " + std::to_string(received.source) + ": got message " +
             std::to_string(got) + ", expected " + std::to_string(sequence) + " (FIFO violated)";
    start = sizeof sequence;
  }
  for (std::size_t i = start; i < expected; ++i)
    if (data[i] != patternByte(received.source, sequence, i))
      return "message " + std::to_string(sequence) + " from PE " +
             std::to_string(received.source) + ": wrong byte at offset " + std::to_string(i);
  return {};
}

class OrderTest {
 public:
  OrderTest(MpiTransport& transport, std::uint64_t rounds)
      : transport_(transport),
        rounds_(rounds),
        nextExpected_(static_cast<std::size_t>(transport.size()), 0) {}

  void run() {
    const int me = transport_.rank();
    const int pes = transport_.size();
    for (std::uint64_t round = 0; round < rounds_; ++round) {
      for (int step = 1; step < pes; ++step) {
        const int dest = (me + step) % pes;  // everyone starts with a different peer
        for (int k = 0; k < kBurst; ++k) {
          const std::uint64_t sequence = round * kBurst + static_cast<std::uint64_t>(k);
          transport_.send(dest, makeMessage(me, sequence, sizeOf(sequence)));
        }
      }
      // Now and then a PE stays away from MPI for a while, as if busy in a long
      // entry method. Where a large transfer needs the sender's help (no
      // single-copy mechanism, or between hosts), its receivers then see the
      // big message incomplete while later small ones from it have arrived:
      // those must be held back behind it.
      if (round % static_cast<std::uint64_t>(pes) == static_cast<std::uint64_t>(me))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      receiveWhile([&] { return transport_.pendingSends() > kMaxPendingSends; });
    }
    const std::uint64_t total = rounds_ * kBurst * static_cast<std::uint64_t>(pes - 1);
    receiveWhile([&] { return received_ < total || transport_.pendingSends() > 0; });
    for (int source = 0; source < pes; ++source)
      if (source != me && nextExpected_[static_cast<std::size_t>(source)] != rounds_ * kBurst)
        fail("received " + std::to_string(nextExpected_[static_cast<std::size_t>(source)]) +
             " messages from PE " + std::to_string(source));
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
        fail("message from impossible source " + std::to_string(received.source));
      auto& next = nextExpected_[static_cast<std::size_t>(received.source)];
      if (std::string error = checkMessage(received, next); !error.empty()) fail(error);
      ++next;
      ++received_;
      received.message.reset();
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "transport_order: PE %d: FAILED: %s\n", transport_.rank(), what.c_str());
    std::fflush(stderr);
    transport_.abortJob(1);
  }

  MpiTransport& transport_;
  const std::uint64_t rounds_;
  std::vector<std::uint64_t> nextExpected_;
  std::uint64_t received_ = 0;
};

// Host layout sanity: consistent with itself and with the job.
void checkHostLayout(MpiTransport& transport) {
  const auto& hosts = transport.hosts();
  std::size_t counted = 0;
  bool found = false;
  for (int host = 0; host < transport.numHosts(); ++host) {
    for (int pe : transport.pesOnHost(host)) {
      ++counted;
      if (hosts.hostOfPe.at(static_cast<std::size_t>(pe)) != host) counted = 0;
      if (pe == transport.rank()) found = host == transport.hostIndex();
    }
  }
  if (counted != static_cast<std::size_t>(transport.size()) || !found) {
    std::fprintf(stderr, "transport_order: PE %d: FAILED: inconsistent host layout\n",
                 transport.rank());
    transport.abortJob(1);
  }
}

// One message of more than 2 GiB from PE 0 to PE 1, checked by sampling.
void hugeMessage(MpiTransport& transport) {
  constexpr std::size_t kHuge = (std::size_t{2} << 30) + 17;
  auto byteAt = [](std::size_t i) { return static_cast<std::byte>((i * 2654435761u) >> 13); };
  ReceivedMessage received;
  IdleBackoff backoff;
  if (transport.rank() == 0) {
    MessageBuffer message = MessageBuffer::allocate(kHuge);
    for (std::size_t i = 0; i < kHuge; i += 4093) message.data()[i] = byteAt(i);
    message.data()[kHuge - 1] = byteAt(kHuge - 1);
    transport.send(1, std::move(message));
    while (transport.pendingSends() > 0) transport.poll(received) ? backoff.reset() : backoff.idle();
  } else if (transport.rank() == 1) {
    while (!transport.poll(received)) backoff.idle();
    bool ok = received.source == 0 && received.message.size() == kHuge &&
              received.message.data()[kHuge - 1] == byteAt(kHuge - 1);
    for (std::size_t i = 0; ok && i < kHuge; i += 4093) ok = received.message.data()[i] == byteAt(i);
    if (!ok) {
      std::fprintf(stderr, "transport_order: PE 1: FAILED: huge message (%zu bytes) corrupted\n",
                   received.message.size());
      transport.abortJob(1);
    }
    std::printf("transport_order: a %zu-byte message arrived intact\n", kHuge);
  }
}

}  // namespace

int main(int argc, char** argv) {
  MpiTransport transport(&argc, &argv);
  std::uint64_t rounds = 20;
  bool huge = false;
  bool provokeError = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--huge") {
      huge = true;
    } else if (arg == "--provoke-mpi-error") {
      provokeError = true;
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::strtoull(argv[++i], nullptr, 10);
    } else {
      if (transport.rank() == 0)
        std::fprintf(stderr, "usage: transport_order [--rounds N] [--huge] [--provoke-mpi-error]\n");
      transport.abortJob(2);
    }
  }

  if (provokeError) {
    // A send to a rank that does not exist: the transport's error handler must
    // end the job, naming the PE and MPI's error string.
    int payload = 0;
    MPI_Send(&payload, 1, MPI_INT, transport.size() + 5, 0, transport.communicator());
    std::fprintf(stderr, "transport_order: the MPI error did not abort the job\n");
    return 3;
  }

  checkHostLayout(transport);
  if (transport.size() > 1) {
    OrderTest(transport, rounds).run();
    if (huge) hugeMessage(transport);
  }
  transport.shutdown();
  if (transport.rank() == 0)
    std::printf("transport_order: %d PEs, %llu rounds: per-pair order and content OK\n",
                transport.size(), static_cast<unsigned long long>(rounds));
  return 0;
}
