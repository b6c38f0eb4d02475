// stencil3d-bench-kernels: the C++ sweep (stencil3d.h's iterate) in one process,
// no messages, as the two C++ flavours call it at --grid 192 on 2 PEs. Prints the
// median and the least thread CPU time per repetition (time slices given to other
// processes do not count). The C++ counterpart of bench_kernels.py.
//
//   build/bin/stencil3d-bench-kernels cubes|slab [repetitions]
//
// cubes: the 32 blocks of 48^3 one PE holds with --blocks 4 4 4, each with six
// faces received and six to pack, each sweeping into the PE's spare grid and
// leaving its old grid as the next one's spare (stencil3d.cpp, spareGrid). slab:
// the MPI flavour's one 96x192x192 block with its two grids, one x face in and
// one out. Run two at once to see the two PEs share the memory bus.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "stencil3d.h"

namespace {

using namespace stencil3d;

double threadSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

using Face = std::vector<double>;

// One repetition's seconds for each of `repetitions` of `step`.
template <class Step>
std::vector<double> timed(int repetitions, Step step) {
  std::vector<double> seconds;
  for (int r = 0; r < repetitions; ++r) {
    const double began = threadSeconds();
    step();
    seconds.push_back(threadSeconds() - began);
  }
  return seconds;
}

std::vector<double> cubes(int repetitions) {
  const BlockLayout b = BlockLayout::of({192, 192, 192}, {4, 4, 4}, {1, 1, 1});  // six neighbours
  constexpr int kBlocks = 32;
  std::vector<Grid> grids;
  std::vector<std::vector<Face>> in(kBlocks), out(kBlocks);
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> value(0, 1);
  for (int i = 0; i < kBlocks; ++i) {
    grids.push_back(initialValues(b));
    for (int dir = 0; dir < kDirections; ++dir) {
      in[i].emplace_back(faceSize(b, dir));
      for (double& x : in[i].back()) x = value(random);
      out[i].emplace_back(faceSize(b, dir));
    }
  }
  Grid spare = scratchGrid(b);
  return timed(repetitions, [&] {
    for (int i = 0; i < kBlocks; ++i) {
      GhostPlanes ghosts;
      ghosts.zeroBoundary = true;
      FacesOut faces;
      for (int dir = 0; dir < kDirections; ++dir) {
        ghosts.face[dir] = in[i][dir].data();
        faces.face[dir] = out[i][dir].data();
      }
      iterate(b, grids[i].data(), spare.data(), 1, 192, ghosts, faces);
      std::swap(grids[i], spare);
    }
  });
}

std::vector<double> slab(int repetitions) {
  const BlockLayout b = BlockLayout::of({192, 192, 192}, {2, 1, 1}, {0, 0, 0});  // one x+ neighbour
  Grid u = initialValues(b), next = scratchGrid(b);
  Face face(faceSize(b, 1));
  return timed(repetitions, [&] {
    unpackGhost(b, u.data(), 1, face.data());
    FacesOut faces;
    faces.face[1] = face.data();
    iterate(b, u.data(), next.data(), 1, 192, {}, faces);
    std::swap(u, next);
  });
}

}  // namespace

int main(int argc, char** argv) {
  const std::string config = argc > 1 ? argv[1] : "";
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 60;
  if ((config != "cubes" && config != "slab") || repetitions < 1) {
    std::fprintf(stderr, "usage: %s cubes|slab [repetitions >= 1]\n", argv[0]);
    return 2;
  }
  std::vector<double> seconds = config == "cubes" ? cubes(repetitions) : slab(repetitions);
  std::sort(seconds.begin(), seconds.end());
  std::printf("%s: median %.3f ms, least %.3f ms per repetition (%d)\n", config.c_str(),
              1e3 * seconds[seconds.size() / 2], 1e3 * seconds.front(), repetitions);
  return 0;
}
