/* pingpong_mpi: the plain-MPI reference for the ping-pong benchmarks. Ranks 0
 * and 1 bounce one message back and forth with MPI_Send/MPI_Recv for several
 * payload sizes and report the one-way latency (half a round trip) and the
 * bandwidth. Other ranks, if any, wait. The last line of output is one JSON
 * object for apps/bench to collect:
 *   {"bench": "pingpong-mpi", "one_way_us": {"8": ..., "1024": ..., ...}}
 *
 *   mpirun -n 2 pingpong_mpi [--iters-scale F]
 *
 * --iters-scale multiplies every iteration count (default 1: each size runs
 * for roughly 0.2-0.5 s on a shared-memory pair). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Case {
  size_t bytes;
  long warmup;
  long iterations;
};

/* Iteration counts chosen for ~0.2-0.4 s per size between two ranks on one
 * host (measured one-way: ~0.4 us at 8 B, ~1 us at 1 KiB, ~14 us at 64 KiB,
 * ~160 us at 1 MiB); the sizes make the latency and bandwidth curves. */
static const struct Case kCases[] = {
    {8, 10000, 400000},     {64, 10000, 300000},   {512, 5000, 200000},
    {1024, 5000, 200000},   {4096, 2000, 100000},  {16384, 1000, 40000},
    {65536, 500, 12000},    {262144, 100, 3000},   {1048576, 50, 1000},
    {4194304, 10, 200},
};
enum { kNumCases = sizeof kCases / sizeof kCases[0] };

static long scaled(long count, double scale) {
  long n = (long)(count * scale);
  return n < 1 ? 1 : n;
}

/* Runs `iterations` round trips of `bytes` between ranks 0 and 1; returns the
 * elapsed seconds on rank 0 (0 elsewhere). */
static double bounce(char* buffer, size_t bytes, long iterations, int rank) {
  double start = MPI_Wtime();
  for (long i = 0; i < iterations; ++i) {
    if (rank == 0) {
      MPI_Send(buffer, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buffer, (int)bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buffer, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buffer, (int)bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
  return MPI_Wtime() - start;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  double scale = 1.0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--iters-scale") == 0 && i + 1 < argc) {
      scale = atof(argv[++i]);
    } else {
      if (rank == 0) fprintf(stderr, "usage: pingpong_mpi [--iters-scale F]\n");
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  }
  if (size < 2 || scale <= 0) {
    if (rank == 0) fprintf(stderr, "pingpong_mpi: needs at least 2 ranks and a positive scale\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }

  size_t largest = 0;
  for (int c = 0; c < kNumCases; ++c)
    if (kCases[c].bytes > largest) largest = kCases[c].bytes;
  char* buffer = malloc(largest);
  if (buffer == NULL) MPI_Abort(MPI_COMM_WORLD, 1);
  memset(buffer, 1, largest);

  double oneWayUs[kNumCases];
  if (rank == 0) {
    printf("pingpong-mpi: MPI_Send/MPI_Recv between ranks 0 and 1 (%d ranks)\n", size);
    printf("%10s %12s %12s %12s\n", "bytes", "iterations", "one-way us", "MB/s");
  }
  for (int c = 0; c < kNumCases; ++c) {
    const struct Case* cs = &kCases[c];
    const long iterations = scaled(cs->iterations, scale);
    bounce(buffer, cs->bytes, scaled(cs->warmup, scale), rank);
    MPI_Barrier(MPI_COMM_WORLD);
    const double seconds = bounce(buffer, cs->bytes, iterations, rank);
    oneWayUs[c] = seconds / (2.0 * (double)iterations) * 1e6;
    if (rank == 0)
      printf("%10zu %12ld %12.3f %12.1f\n", cs->bytes, iterations, oneWayUs[c],
             (double)cs->bytes / oneWayUs[c]); /* bytes per us == MB/s */
  }

  if (rank == 0) {
    printf("{\"bench\": \"pingpong-mpi\", \"one_way_us\": {");
    for (int c = 0; c < kNumCases; ++c)
      printf("%s\"%zu\": %.3f", c == 0 ? "" : ", ", kCases[c].bytes, oneWayUs[c]);
    printf("}}\n");
  }
  free(buffer);
  MPI_Finalize();
  return 0;
}
