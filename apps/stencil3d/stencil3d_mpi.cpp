// stencil3d-mpi: the plain C++ and MPI flavour of stencil3d (README.md): one
// block per rank on the process grid of MPI_Dims_create, faces exchanged with
// non-blocking sends and receives every iteration, the kernels of stencil3d.h.
//   mpirun -n 2 build/bin/stencil3d-mpi --grid 128 --iters 100
#include <mpi.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "stencil3d.h"

namespace {

using namespace stencil3d;

// This rank's block, its neighbours and the buffers of the face exchange.
struct Domain {
  MPI_Comm cart = MPI_COMM_NULL;
  std::array<int, 3> dims{};
  BlockLayout layout;
  std::array<int, kDirections> neighbour{};  // rank across each face, or MPI_PROC_NULL
  std::array<std::vector<double>, kDirections> sendFace, recvFace;
};

Domain makeDomain(const Options& o, int pes) {
  Domain d;
  MPI_Dims_create(pes, 3, d.dims.data());
  checkDivisible(o.grid, d.dims, "process-grid blocks (MPI_Dims_create)");
  const int periodic[3] = {0, 0, 0};
  // No reordering: rank r sits at coordinates r in row-major order (x slowest).
  MPI_Cart_create(MPI_COMM_WORLD, 3, d.dims.data(), periodic, 0, &d.cart);
  int rank = 0;
  std::array<int, 3> coords{};
  MPI_Comm_rank(d.cart, &rank);
  MPI_Cart_coords(d.cart, rank, 3, coords.data());
  d.layout = BlockLayout::of(o.grid, d.dims, coords);
  for (int axis = 0; axis < 3; ++axis)
    MPI_Cart_shift(d.cart, axis, 1, &d.neighbour[2 * axis], &d.neighbour[2 * axis + 1]);
  for (int dir = 0; dir < kDirections; ++dir) {
    d.sendFace[dir].resize(faceSize(d.layout, dir));
    d.recvFace[dir].resize(faceSize(d.layout, dir));
  }
  return d;
}

// Fills the ghost planes of `u` with the neighbours' faces; sends the faces in
// d.sendFace, packing them from `u` first unless `packed` (the sweep that made u
// packed them).
void exchangeFaces(Domain& d, Grid& u, bool packed) {
  std::vector<MPI_Request> requests;
  requests.reserve(2 * kDirections);
  for (int dir = 0; dir < kDirections; ++dir) {
    if (d.neighbour[dir] == MPI_PROC_NULL) continue;
    // The neighbour's face comes tagged with the direction it travelled, which
    // is opposite(dir) seen from here.
    requests.emplace_back();
    MPI_Irecv(d.recvFace[dir].data(), static_cast<int>(d.recvFace[dir].size()), MPI_DOUBLE, d.neighbour[dir],
              opposite(dir), d.cart, &requests.back());
  }
  for (int dir = 0; dir < kDirections; ++dir) {
    if (d.neighbour[dir] == MPI_PROC_NULL) continue;
    if (!packed) packFace(d.layout, u.data(), dir, d.sendFace[dir].data());
    requests.emplace_back();
    MPI_Isend(d.sendFace[dir].data(), static_cast<int>(d.sendFace[dir].size()), MPI_DOUBLE, d.neighbour[dir], dir,
              d.cart, &requests.back());
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  for (int dir = 0; dir < kDirections; ++dir)
    if (d.neighbour[dir] != MPI_PROC_NULL) unpackGhost(d.layout, u.data(), dir, d.recvFace[dir].data());
}

int run(const Options& o, int rank, int pes) {
  Domain d = makeDomain(o, pes);
  Grid u = initialValues(d.layout);
  Grid next = scratchGrid(d.layout);

  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  double computeSeconds = 0;
  // The sweep packs the faces of the next iteration as the charm flavour's does
  // (the send buffers are free again once exchangeFaces returns).
  FacesOut faces;
  for (int dir = 0; dir < kDirections; ++dir)
    if (d.neighbour[dir] != MPI_PROC_NULL) faces.face[dir] = d.sendFace[dir].data();
  for (int iter = 0; iter < o.iters; ++iter) {
    exchangeFaces(d, u, /*packed=*/iter > 0);
    const double t = MPI_Wtime();
    iterate(d.layout, u.data(), next.data(), o.imbalance, o.grid[0], {}, iter + 1 < o.iters ? faces : FacesOut{});
    computeSeconds += MPI_Wtime() - t;
    std::swap(u, next);
  }
  const double localSum = interiorSum(d.layout, u);
  double checksum = 0;
  MPI_Reduce(&localSum, &checksum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  const double seconds = MPI_Wtime() - start;

  std::vector<double> computePerRank(static_cast<std::size_t>(pes));
  MPI_Gather(&computeSeconds, 1, MPI_DOUBLE, computePerRank.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (rank == 0) printResult({"mpi", pes, o, d.dims, "off", seconds, checksum, computePerRank});
  MPI_Comm_free(&d.cart);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, pes = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &pes);
  int code = 0;
  try {
    Options o = parseOptions({argv + 1, argv + argc});  // --blocks and --lb-period are parsed and unused
    code = run(o, rank, pes);
  } catch (const std::invalid_argument& e) {
    // Every rank sees the same arguments and fails alike, before any communication.
    if (rank == 0) std::fprintf(stderr, "stencil3d-mpi: %s\n", e.what());
    code = 2;
  }
  MPI_Finalize();
  return code;
}
