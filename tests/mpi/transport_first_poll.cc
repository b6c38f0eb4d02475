// transport_first_poll: a message that arrived while a PE was busy computing (no
// MPI call for a while) is returned by that PE's very next poll(). Regression: Open
// MPI matched such a message only at the probe after the one that pulled it in, so
// the scheduler ran one more whole entry method before seeing it (charm.pool's PE 0
// then left the other workers waiting for their next chunk).
//
//   mpirun -n 2 transport_first_poll
//
// Rank 1 sends a small message right after a barrier; rank 0 computes for 20 ms
// without calling MPI, then polls once. Exit code 0 when every round's first poll
// got the message; otherwise a message naming the round and a non-zero exit code.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "comm/idle_backoff.h"
#include "comm/mpi_transport.h"

using charm::comm::IdleBackoff;
using charm::comm::MessageBuffer;
using charm::comm::MpiTransport;
using charm::comm::ReceivedMessage;

namespace {

constexpr int kRounds = 20;
constexpr auto kBusy = std::chrono::milliseconds(20);

void computeWithoutMpi() {
  const auto end = std::chrono::steady_clock::now() + kBusy;
  volatile unsigned sink = 0;
  while (std::chrono::steady_clock::now() < end) sink = sink + 1;
}

}  // namespace

int main(int argc, char** argv) {
  MpiTransport transport(&argc, &argv);
  int failures = 0;
  if (transport.size() >= 2) {
    for (int round = 0; round < kRounds && transport.rank() < 2; ++round) {
      // Both ranks start the round together (on a communicator of their own).
      MPI_Barrier(MPI_COMM_WORLD);
      if (transport.rank() == 1) {
        MessageBuffer m = MessageBuffer::allocate(8);
        std::memcpy(m.data(), &round, sizeof round);
        transport.send(0, std::move(m));
        continue;
      }
      computeWithoutMpi();
      ReceivedMessage got;
      if (!transport.poll(got)) {
        std::fprintf(stderr, "transport_first_poll: round %d: the first poll after computing "
                     "found nothing, although the message had arrived\n", round);
        ++failures;
        IdleBackoff backoff;
        while (!transport.poll(got)) backoff.idle();   // drain it before the next round
      }
    }
    if (transport.rank() > 1)
      for (int round = 0; round < kRounds; ++round) MPI_Barrier(MPI_COMM_WORLD);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  transport.shutdown();
  if (failures == 0 && transport.rank() == 0) std::printf("transport_first_poll: ok\n");
  return failures == 0 ? 0 : 1;
}
