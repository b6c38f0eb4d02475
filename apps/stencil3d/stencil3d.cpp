// stencil3d-cpp: the libcharmrt C++ flavour of stencil3d (README.md). A chare
// array of BX x BY x BZ blocks, message-driven: each block sends its faces to its
// neighbours, computes once all ghosts of the iteration are in, and starts the
// next iteration; every --lb-period iterations it calls AtSync() so the load
// balancer can move blocks, and carries on in resumeFromSync().
//   mpirun -n 2 build/bin/stencil3d-cpp --grid 128 --blocks 2 --iters 100 +balancer GreedyLB
#include <charm.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "stencil3d.h"

namespace {

using namespace stencil3d;

// Time the blocks on this PE spent computing (PE 0 gathers it at the end).
thread_local double computeSecondsOnThisPe = 0;

// The PE's spare grid, one per block shape. A block owns one grid, u_; it
// sweeps into the spare, takes it as its new u_ and leaves its old u_ as the
// spare. That grid was just read, so it is still in L2 or L3 when the next block
// sweeps into it, instead of a grid of its own last touched an iteration ago
// (whose every line a sweep's stores would read from DRAM first). A recycled
// grid holds another block's values: the sweep writes the whole interior and
// zeroes the y and z ghosts on this block's boundary (GhostPlanes::zeroBoundary),
// the only ghosts it stores into. A block that migrates takes its u_ along and
// leaves the spare on its PE; one that arrives brings its u_.
thread_local std::vector<std::pair<std::array<int, 3>, Grid>> spareGrids;

Grid& spareGrid(const BlockLayout& b) {
  for (auto& [size, grid] : spareGrids)
    if (size == b.size) return grid;
  spareGrids.emplace_back(b.size, scratchGrid(b));
  return spareGrids.back().second;
}

// A face message: this header, then the face's doubles.
struct FaceHeader {
  std::int32_t iteration;
  std::int32_t ghostDirection;  // the receiver's ghost plane it fills
};
static_assert(sizeof(FaceHeader) % alignof(double) == 0, "the face's doubles must stay aligned");

FaceHeader headerOf(const charm::Payload& face) {
  FaceHeader h;
  std::memcpy(&h, face.data(), sizeof h);
  return h;
}

// Faces received and not used yet travel with a migrating block: their bytes,
// rewrapped in new payloads on arrival (an empty slot stays empty).
void pupPayload(charm::Pup& p, charm::Payload& payload) {
  bool present = static_cast<bool>(payload);
  p | present;
  if (!present) return;
  std::uint64_t bytes = payload.size();
  p | bytes;
  if (p.isUnpacking()) payload = charm::Payload::allocate(bytes);
  p.bytes(payload.data(), bytes);
}
void pupPayloads(charm::Pup& p, std::vector<charm::Payload>& payloads) {
  std::uint64_t count = payloads.size();
  p | count;
  if (p.isUnpacking()) payloads.resize(count);
  for (charm::Payload& payload : payloads) pupPayload(p, payload);
}

class Block : public charm::ArrayElement<Block> {
 public:
  Block() = default;  // a migrating block; pup() brings its state
  explicit Block(Options options) : options_(options) {
    setUp();
    u_ = initialValues(layout_);
  }

  // The end of the warm-up: a barrier once every block exists.
  void ready(charm::Future<void> done) { contribute(done.callback()); }

  // Runs the iterations; the sum of the final grid goes to `checksum`.
  void run(charm::Future<double> checksum) {
    checksum_ = checksum.callback();
    sendFaces();
    advance();
  }

  // A neighbour's face, of this iteration or (the neighbour being one ahead) of the next.
  void face(charm::Payload face) {
    if (headerOf(face).iteration == iteration_) {
      keepGhost(std::move(face));
      advance();
    } else {
      early_.push_back(std::move(face));
    }
  }

  void resumeFromSync() override {
    sendFaces();
    advance();
  }

  void pup(charm::Pup& p) {
    p | options_;
    p | u_;
    p | iteration_;
    p | received_;
    p | facesSent_;
    for (charm::Payload& face : ghosts_) pupPayload(p, face);
    pupPayloads(p, early_);
    p | checksum_;
    if (p.isUnpacking()) setUp();
  }

 private:
  // The layout and the neighbours, from the options and this block's index.
  void setUp() {
    const std::array<int, 3> parts = options_.blocks;
    const std::array<int, 3> coords{thisIndex()[0], thisIndex()[1], thisIndex()[2]};
    layout_ = BlockLayout::of(options_.grid, parts, coords);
    neighbourCount_ = 0;
    for (int dir = 0; dir < kDirections; ++dir) {
      std::array<int, 3> n{};
      hasNeighbour_[dir] = neighbourCoords(coords, parts, dir, n);
      neighbour_[dir] = {n[0], n[1], n[2]};
      neighbourCount_ += hasNeighbour_[dir];
    }
  }

  // A new face message for `dir`, its doubles to be filled.
  charm::Payload newFace(int dir, int iteration) const {
    auto face = charm::Payload::allocate(sizeof(FaceHeader) + faceSize(layout_, dir) * sizeof(double));
    const FaceHeader header{iteration, opposite(dir)};
    std::memcpy(face.data(), &header, sizeof header);
    return face;
  }
  static double* faceDoubles(charm::Payload& face) {
    return reinterpret_cast<double*>(face.data() + sizeof(FaceHeader));
  }

  void sendFaces() {
    for (int dir = 0; dir < kDirections; ++dir) {
      if (!hasNeighbour_[dir]) continue;
      // Packed by the sweep that made u_ (compute()); else packed here, straight
      // into the message, which travels (and is received) without another copy.
      charm::Payload face = std::move(outgoing_[dir]);
      if (!face) {
        face = newFace(dir, iteration_);
        packFace(layout_, u_.data(), dir, faceDoubles(face));
      }
      thisProxy()[neighbour_[dir]].invoke<&Block::face>(std::move(face));
    }
    facesSent_ = true;
  }

  // A face of this iteration: kept as it came, the sweep reads the ghost plane
  // straight from it (no copy into the ghost layer).
  void keepGhost(charm::Payload face) {
    const int direction = headerOf(face).ghostDirection;
    if (direction < 0 || direction >= kDirections || ghosts_[direction])
      throw std::logic_error("stencil3d: a face for ghost plane " + std::to_string(direction) +
                             " that is not expected");
    ghosts_[direction] = std::move(face);
    ++received_;
  }

  // Computes while every ghost of the current iteration is in, then moves on: the
  // next iteration's faces, a load-balancing step, or the checksum after the last.
  void advance() {
    while (facesSent_ && received_ == neighbourCount_) {
      compute();
      if (iteration_ == options_.iters) {
        contribute(interiorSum(layout_, u_), charm::reducer::sum, checksum_);
        return;
      }
      if (options_.lbPeriod > 0 && iteration_ % options_.lbPeriod == 0) {
        AtSync();  // resumeFromSync() carries on
        return;
      }
      sendFaces();
    }
  }

  void compute() {
    GhostPlanes planes;
    planes.zeroBoundary = true;  // the spare grid comes from another block
    for (int dir = 0; dir < kDirections; ++dir)
      if (ghosts_[dir]) planes.face[dir] = reinterpret_cast<const double*>(ghosts_[dir].data() + sizeof(FaceHeader));
    // The faces of the next iteration, if there is one, are packed by the sweep
    // (sendFaces sends them, after a load-balancing step too unless the block moved:
    // they are not packed for migration).
    FacesOut faces;
    if (iteration_ + 1 < options_.iters)
      for (int dir = 0; dir < kDirections; ++dir)
        if (hasNeighbour_[dir]) {
          outgoing_[dir] = newFace(dir, iteration_ + 1);
          faces.face[dir] = faceDoubles(outgoing_[dir]);
        }
    const auto start = std::chrono::steady_clock::now();
    Grid& next = spareGrid(layout_);
    iterate(layout_, u_.data(), next.data(), options_.imbalance, options_.grid[0], planes, faces);
    computeSecondsOnThisPe += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::swap(u_, next);  // u_ becomes the PE's spare
    ++iteration_;
    facesSent_ = false;
    received_ = 0;
    for (charm::Payload& face : ghosts_) face = charm::Payload();  // used: back to the pool
    for (charm::Payload& face : early_) keepGhost(std::move(face));  // they belong to the new iteration
    early_.clear();
  }

  Options options_;
  Grid u_;                             // this iteration's values, with ghosts (the next's: spareGrid)
  int iteration_ = 0;                  // iterations done; the ghosts being gathered are this one's
  int received_ = 0;                   // ghost planes of iteration_ in
  bool facesSent_ = false;             // this block's faces of iteration_ are out
  std::array<charm::Payload, kDirections> ghosts_;  // faces of iteration_ in, by ghost plane
  std::vector<charm::Payload> early_;  // faces of iteration_ + 1
  std::array<charm::Payload, kDirections> outgoing_;  // faces of u_ to send, packed by compute()
  charm::Callback checksum_;

  // Derived from options_ and thisIndex() (setUp), not packed.
  BlockLayout layout_;
  std::array<bool, kDirections> hasNeighbour_{};
  std::array<charm::ArrayIndex, kDirections> neighbour_{};
  int neighbourCount_ = 0;
};

// One per PE: reports the time the blocks on its PE spent computing.
class ComputeClock : public charm::Group<ComputeClock> {
 public:
  void report(charm::Future<std::vector<double>> perPe) {
    contribute(computeSecondsOnThisPe, charm::reducer::gather, perPe.callback());
  }
};

// What the JSON line calls "lb": the balancer AtSync runs, or "off".
std::string balancerInUse(const Options& o) {
  const std::string lb = charm::balancerName();  // "" under +LBOff
  return o.lbPeriod == 0 || lb.empty() ? "off" : lb;
}

// A migrating block frees its grid on one PE and allocates one on the other.
// glibc serves allocations of that size with mmap and unmaps them on free, so
// each grid that arrives would be faulted in page by page again: on a 2-core VM,
// a balancing step moving four 2.3 MB blocks (two grids each then) took 3 to 14
// ms that way, and under 3 ms with the grids served from the heap and freed
// memory never given back.
void keepLargeAllocationsInHeap() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest threshold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void runStencil(const Options& o) {
  auto blocks = charm::ArrayProxy<Block>::createUsingAtSync({o.blocks[0], o.blocks[1], o.blocks[2]}, o);
  auto clocks = charm::GroupProxy<ComputeClock>::create();
  auto ready = charm::Future<void>::make();
  blocks.broadcast<&Block::ready>(ready);
  ready.get();

  auto checksum = charm::Future<double>::make();
  const auto start = std::chrono::steady_clock::now();
  blocks.broadcast<&Block::run>(checksum);
  const double sum = checksum.get();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto computeSeconds = charm::Future<std::vector<double>>::make();
  clocks.broadcast<&ComputeClock::report>(computeSeconds);
  printResult({"cpp", charm::numPes(), o, o.blocks, balancerInUse(o), seconds, sum,
               computeSeconds.get()});
}

}  // namespace

int main(int argc, char** argv) {
  keepLargeAllocationsInHeap();
  return charm::run(argc, argv, [](std::vector<std::string> args) {
    Options o;
    try {
      o = parseOptions({args.begin() + 1, args.end()});
      checkDivisible(o.grid, o.blocks, "blocks (--blocks)");
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "stencil3d-cpp: %s\n", e.what());
      charm::exit(2);
      return;
    }
    runStencil(o);
    charm::exit(0);
  });
}
