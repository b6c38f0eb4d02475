// What the two C++ flavours of stencil3d share (README.md is the spec): the
// options, the layout of a block with its ghost layer, the kernels (initial
// values, the 7-point sweep, the imbalance's extra sweeps, the checksum), the
// faces exchanged with neighbours, and the output. Plain C++: the MPI flavour
// includes it without libcharmrt.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sys/mman.h>

namespace stencil3d {

struct Options {
  std::array<int, 3> grid{128, 128, 128};  // interior points NX, NY, NZ
  std::array<int, 3> blocks{2, 2, 2};      // per dimension (charm flavour)
  int iters = 100;
  int imbalance = 1;
  int lbPeriod = 10;  // AtSync every lbPeriod iterations (charm flavour); 0: never

  // charm::Pup-compatible, without making this header depend on libcharmrt.
  template <class Pup>
  void pup(Pup& p) {
    p | grid;
    p | blocks;
    p | iters;
    p | imbalance;
    p | lbPeriod;
  }
};

inline int parseInt(const std::string& option, const std::string& text, int minimum) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument(option + " takes an integer, got '" + text + "'");
  if (value < minimum)
    throw std::invalid_argument(option + " must be at least " + std::to_string(minimum) + ", got " + text);
  return value;
}

// Parses the options of README.md from `args` (the program name excluded).
// Throws std::invalid_argument saying what is wrong.
inline Options parseOptions(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& option = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(option + " needs a value");
      return args[++i];
    };
    // One number (the same along every axis) or three.
    auto triple = [&]() {
      std::vector<int> sizes{parseInt(option, value(), 1)};
      while (sizes.size() < 3 && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
        sizes.push_back(parseInt(option, args[++i], 1));
      if (sizes.size() == 2) throw std::invalid_argument(option + " takes one number or three, got two");
      return sizes.size() == 1 ? std::array<int, 3>{sizes[0], sizes[0], sizes[0]}
                               : std::array<int, 3>{sizes[0], sizes[1], sizes[2]};
    };
    if (option == "--grid") {
      o.grid = triple();
    } else if (option == "--blocks") {
      o.blocks = triple();
    } else if (option == "--iters") {
      o.iters = parseInt(option, value(), 1);
    } else if (option == "--imbalance") {
      o.imbalance = parseInt(option, value(), 1);
    } else if (option == "--lb-period") {
      o.lbPeriod = parseInt(option, value(), 0);
    } else {
      throw std::invalid_argument("unknown option '" + option +
                                  "' (options: --grid N | --grid NX NY NZ, --blocks B | --blocks BX BY BZ, --iters I, "
                                  "--imbalance F, --lb-period K)");
    }
  }
  return o;
}

// Throws std::invalid_argument unless every grid dimension splits evenly into
// `parts` (per dimension); `what` names the split in the message.
inline void checkDivisible(const std::array<int, 3>& grid, const std::array<int, 3>& parts, const std::string& what) {
  for (int d = 0; d < 3; ++d)
    if (grid[d] % parts[d] != 0)
      throw std::invalid_argument("the grid " + std::to_string(grid[0]) + " x " + std::to_string(grid[1]) + " x " +
                                  std::to_string(grid[2]) + " does not split into " + std::to_string(parts[0]) +
                                  " x " + std::to_string(parts[1]) + " x " + std::to_string(parts[2]) + " " +
                                  what + ": " + "xyz"[d] + " (" + std::to_string(grid[d]) +
                                  ") is not a multiple of " + std::to_string(parts[d]));
}

// One block of the grid: its interior points and where they sit in the global
// grid. Stored with one layer of ghost cells, (nx+2) x (ny+2) x (nz+2) doubles, x
// slowest; "ghosted" coordinates run from 0 to n+1, the interior from 1 to n.
struct BlockLayout {
  std::array<int, 3> size{};    // interior points per dimension
  std::array<int, 3> origin{};  // global coordinates of interior point (1, 1, 1)

  std::ptrdiff_t strideX() const { return std::ptrdiff_t{size[1] + 2} * (size[2] + 2); }
  std::ptrdiff_t strideY() const { return size[2] + 2; }
  std::size_t cells() const { return static_cast<std::size_t>((size[0] + 2) * strideX()); }
  std::size_t at(int x, int y, int z) const { return static_cast<std::size_t>(x * strideX() + y * strideY() + z); }

  // The block owning `coords` of a grid split into `parts` blocks per dimension.
  static BlockLayout of(const std::array<int, 3>& grid, const std::array<int, 3>& parts,
                        const std::array<int, 3>& coords) {
    BlockLayout b;
    for (int d = 0; d < 3; ++d) {
      b.size[d] = grid[d] / parts[d];
      b.origin[d] = coords[d] * b.size[d];
    }
    return b;
  }
};

// Where grids of kFrom bytes and more live: in 2 MiB aligned chunks that Linux is
// asked to back with huge pages (transparent huge pages, which this VM gives only
// on request: "madvise"). A sweep reads and writes whole grids; with 4 KiB pages
// their TLB misses cost a sweep ~15% on this VM, a 48^3 block's a little more
// than a slab's. Grids are carved from the chunks one after another (a 48^3
// block's two 1 MB grids share a huge page); a freed grid is kept for the next
// grid of its size (a block migrating in) and memory is never given back. Both
// C++ flavours keep their grids here (from 64 KiB: a 24^3 block's 140 KB grids
// too, 8x8x8 blocks of a 192^3 grid).
class GridMemory {
 public:
  static constexpr std::size_t kFrom = 64 << 10;

  static void* allocate(std::size_t bytes) {
    bytes = rounded(bytes);
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (auto it = s.freed.find(bytes); it != s.freed.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      return p;
    }
    if (bytes > s.left) {
      const std::size_t chunk = std::max(kChunk, (bytes + kHugePage - 1) / kHugePage * kHugePage);
      s.next = static_cast<std::byte*>(std::aligned_alloc(kHugePage, chunk));
      if (!s.next) throw std::bad_alloc();
      ::madvise(s.next, chunk, MADV_HUGEPAGE);  // a hint: without huge pages the grids work all the same
      s.left = chunk;
    }
    void* p = s.next;
    s.next += bytes;
    s.left -= bytes;
    return p;
  }
  static void release(void* p, std::size_t bytes) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.freed[rounded(bytes)].push_back(p);
  }

 private:
  static constexpr std::size_t kHugePage = 2 << 20, kChunk = 32 << 20;
  struct State {
    std::mutex mutex;  // PEs may be threads of one process
    std::byte* next = nullptr;
    std::size_t left = 0;
    std::unordered_map<std::size_t, std::vector<void*>> freed;  // by size
  };
  static State& state() {
    static State s;
    return s;
  }
  static std::size_t rounded(std::size_t bytes) { return (bytes + 63) / 64 * 64; }
};

// The allocator of Grid: GridMemory for large grids; resize() leaves the doubles
// uninitialised, as every one of them is written before it is read (a migrating
// block's grid is unpacked straight into it, a scratch grid is swept into);
// zero-filling them first would cost one more pass over the memory.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
  UninitialisedAllocator() = default;
  template <class U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };

  T* allocate(std::size_t n) {
    if (n * sizeof(T) < GridMemory::kFrom) return std::allocator<T>::allocate(n);
    return static_cast<T*>(GridMemory::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < GridMemory::kFrom)
      std::allocator<T>::deallocate(p, n);
    else
      GridMemory::release(p, n * sizeof(T));
  }
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A block's values with their ghost layer (BlockLayout::cells() doubles).
using Grid = std::vector<double, UninitialisedAllocator<double>>;

// u0 on the interior, 0 on the ghosts (the fixed boundary outside the grid).
inline Grid initialValues(const BlockLayout& b) {
  Grid u(b.cells(), 0.0);
  for (int x = 1; x <= b.size[0]; ++x)
    for (int y = 1; y <= b.size[1]; ++y)
      for (int z = 1; z <= b.size[2]; ++z) {
        const std::int64_t gx = b.origin[0] + x - 1, gy = b.origin[1] + y - 1, gz = b.origin[2] + z - 1;
        u[b.at(x, y, z)] = static_cast<double>((7 * gx + 13 * gy + 29 * gz) % 97) / 96.0;
      }
  return u;
}

// A grid to sweep into: its interior is left as it comes, its ghosts are 0 (once
// it holds the next iteration, those on the grid's boundary are read as such).
inline Grid scratchGrid(const BlockLayout& b) {
  Grid g(b.cells());
  const std::size_t plane = static_cast<std::size_t>(b.strideX()), row = static_cast<std::size_t>(b.strideY());
  for (int x = 0; x <= b.size[0] + 1; ++x) {
    double* p = g.data() + static_cast<std::size_t>(x) * plane;
    if (x == 0 || x == b.size[0] + 1) {
      std::fill_n(p, plane, 0.0);
      continue;
    }
    std::fill_n(p, row, 0.0);
    std::fill_n(p + static_cast<std::size_t>(b.size[1] + 1) * row, row, 0.0);
    for (int y = 1; y <= b.size[1]; ++y) p[y * row] = p[y * row + static_cast<std::size_t>(b.size[2]) + 1] = 0.0;
  }
  return g;
}

inline constexpr double kOneSeventh = 1.0 / 7.0;

// Where a sweep finds the ghost planes of a block: by default in its own ghost
// layer; a plane given here comes from that buffer instead (a neighbour's face as
// packFace wrote it, faceSize doubles), so a received face need not be copied
// into the ghost layer before the sweep: an x face is read in place, the rows of
// y and z faces are stored into u's ghost layer plane by plane as the sweep
// reaches them. The values, and so the results, are the same.
struct GhostPlanes {
  std::array<const double*, 6> face{};  // by direction (see "faces" below); null: the ghost layer
  // Set when `next` may come with another block's values in its y ghost rows and
  // z ghost cells (a grid recycled from block to block, where that block's sweep
  // stored its y and z faces): the sweep then sets next's y ghost rows and z
  // ghost cells on the sides without a face here (the grid's boundary) to 0,
  // plane by plane, as the sweep that reads `next` reads them there. Its x ghost
  // planes are never written (x faces are read in place), so they stay 0.
  bool zeroBoundary = false;
};

// Where a sweep also writes the faces the block sends next (as packFace writes
// them, faceSize doubles each; null: that face is not packed): each new row's
// points on a face are copied out right after the row is computed, while it is
// in cache, instead of in a pass over the grid after the sweep (a z face is one
// double of each 400-byte row of a 48^3 block).
struct FacesOut {
  std::array<double*, 6> face{};  // by direction
};

// One row of the sweep (n points, contiguous): centre row c, its neighbour rows
// across x and y; the values beyond its two ends (z - 1 of the first point, z + 1
// of the last) are c[-1] and c[n], the row's z ghost cells. The seven terms are
// added left to right as the spec says; vectorising across the row keeps that
// order per point. kFold: an extra sweep of the imbalance, which folds in the
// current value.
template <bool kFold>
inline double pointValue(double s, double old) {
  if constexpr (kFold)
    return (s + 1e-30 * old) * kOneSeventh;
  else
    return s * kOneSeventh;
}
template <bool kFold>
inline void sweepRow(const double* __restrict c, const double* __restrict xm, const double* __restrict xp,
                     const double* __restrict ym, const double* __restrict yp, double* __restrict out, int n) {
  for (int z = 0; z < n; ++z)
    out[z] = pointValue<kFold>(c[z] + xm[z] + xp[z] + ym[z] + yp[z] + c[z - 1] + c[z + 1], out[z]);
}

// sweepRow, asking for the memory it reads first (`xp`, the next x-plane, whose
// lines come from DRAM: the others were read by the previous plane's sweep) a
// little ahead of the loads, chunk by chunk. The hardware prefetchers follow a
// stream only once it has run for a while, and start again at each 4 KiB page:
// a 48^3 block's x-plane is 20 KB, so most of its lines were fetched on demand,
// and 32 blocks of 48^3 swept in ~1.3x a 96x192x192 slab's time. Asked for 6 KiB
// ahead, they sweep in about the slab's (stencil3d-bench-kernels, two at once:
// 4.1-5.5 -> 3.2-3.9 ms; the slab 3.2-3.8 either way). `xpEnd` bounds the
// lines asked for to xp's array (no address past it is even formed).
inline constexpr int kPrefetchAheadDoubles = 768;
inline constexpr int kPrefetchChunkDoubles = 64;  // 8 cache lines per chunk
template <bool kFold>
inline void sweepRowPrefetching(const double* c, const double* xm, const double* xp, const double* ym,
                                const double* yp, double* out, int n, const double* xpEnd) {
  const std::ptrdiff_t available = xpEnd - xp;  // doubles of xp's array from xp on
  for (int z0 = 0; z0 < n; z0 += kPrefetchChunkDoubles) {
    const int m = std::min(kPrefetchChunkDoubles, n - z0);
    for (int k = 0; k < m; k += 8)
      if (const std::ptrdiff_t at = z0 + k + kPrefetchAheadDoubles; at < available) __builtin_prefetch(xp + at, 0, 3);
    sweepRow<kFold>(c + z0, xm + z0, xp + z0, ym + z0, yp + z0, out + z0, m);
  }
}

// Sweeps the x-planes [xBegin, xEnd) of `u` into `next`, packing the new rows of
// the planes from packFrom on into `faces`.
//
// A plane whose x neighbours are planes of `u` is swept as one flat span, from its
// first interior point to its last, the z ghost cells between rows included (their
// results are garbage, set back to 0 after): the rows of a 48^3 block are short,
// and setting up each row's loop cost ~10% more instructions per point than rows
// of 192. For that the y and z faces of `g` are stored into u's ghost rows and z
// ghost cells, plane by plane as the sweep reaches them (the values a filled
// ghost layer holds there; they share cache lines with the plane's rows). Reading
// the y faces in place instead, the rows next to them swept on their own, cost
// 32 blocks of 48^3 ~2.5% more time. The planes next to an x face read that face
// in place, row by row.
template <bool kFold>
void sweep(const BlockLayout& b, double* u, double* next, int xBegin, int xEnd, const GhostPlanes& g,
           const FacesOut& faces, int packFrom) {
  const std::ptrdiff_t sx = b.strideX(), sy = b.strideY();
  const int nx = b.size[0], ny = b.size[1], nz = b.size[2];
  // Face layouts (packFace): x faces y-major rows of z, y faces x-major rows of z,
  // z faces x-major rows of y.
  for (int x = xBegin; x < xEnd; ++x) {
    double* const c = u + b.at(x, 1, 1);  // the plane's first interior point
    double* const out = next + b.at(x, 1, 1);
    const std::size_t yFaceRow = static_cast<std::size_t>(x - 1) * nz, zFaceRow = static_cast<std::size_t>(x - 1) * ny;
    if (const double *zm = g.face[4], *zp = g.face[5]; zm || zp)
      for (int y = 0; y < ny; ++y) {
        if (zm) c[y * sy - 1] = zm[zFaceRow + y];
        if (zp) c[y * sy + nz] = zp[zFaceRow + y];
      }
    if (g.face[2]) std::copy_n(g.face[2] + yFaceRow, nz, c - sy);
    if (g.face[3]) std::copy_n(g.face[3] + yFaceRow, nz, c + ny * sy);
    const bool xmFace = x == 1 && g.face[0], xpFace = x == nx && g.face[1];
    if (!xmFace && !xpFace) {
      sweepRowPrefetching<kFold>(c, c - sx, c + sx, c - sy, c + sy, out, static_cast<int>((ny - 1) * sy + nz),
                                 u + b.cells());
      for (int y = 0; y + 1 < ny; ++y) out[y * sy + nz] = out[y * sy + nz + 1] = 0.0;
    } else {
      const double* xm = xmFace ? g.face[0] : c - sx;
      const double* xp = xpFace ? g.face[1] : c + sx;
      const std::ptrdiff_t xmStep = xmFace ? nz : sy, xpStep = xpFace ? nz : sy;
      const double* xpEnd = xpFace ? g.face[1] + static_cast<std::size_t>(ny) * nz : u + b.cells();  // an x face: ny rows of nz
      double* row = c;
      double* rowOut = out;
      for (int y = 0; y < ny; ++y, row += sy, rowOut += sy, xm += xmStep, xp += xpStep)
        sweepRowPrefetching<kFold>(row, xm, xp, row - sy, row + sy, rowOut, nz, xpEnd);
    }
    if (g.zeroBoundary) {
      if (!g.face[2]) std::fill_n(out - sy, nz, 0.0);
      if (!g.face[3]) std::fill_n(out + ny * sy, nz, 0.0);
      for (int dir : {4, 5})
        if (!g.face[dir])
          for (int y = 0, at = dir == 4 ? -1 : nz; y < ny; ++y) out[y * sy + at] = 0.0;
    }
    if (x < packFrom) continue;
    // The plane's new points on the faces to pack.
    if (double *zLow = faces.face[4], *zHigh = faces.face[5]; zLow || zHigh)
      for (int y = 0; y < ny; ++y) {
        if (zLow) zLow[zFaceRow + y] = out[y * sy];
        if (zHigh) zHigh[zFaceRow + y] = out[y * sy + nz - 1];
      }
    for (int dir : {0, 1})
      if (faces.face[dir] && x == (dir == 0 ? 1 : nx))
        for (int y = 0; y < ny; ++y) std::copy_n(out + y * sy, nz, faces.face[dir] + static_cast<std::size_t>(y) * nz);
    if (faces.face[2]) std::copy_n(out, nz, faces.face[2] + yFaceRow);
    if (faces.face[3]) std::copy_n(out + (ny - 1) * sy, nz, faces.face[3] + yFaceRow);
  }
}

// One iteration of block `b`: `next` (interior) from `u` (ghosts filled, or read
// from `ghosts`), plus imbalance - 1 extra sweeps over the points with global
// x < gridX / 2. The faces in `faces` are packed from the sweep that gives each
// point its final value (the last extra sweep for the heavy planes).
inline void iterate(const BlockLayout& b, double* u, double* next, int imbalance, int gridX,
                    const GhostPlanes& ghosts = {}, const FacesOut& faces = {}) {
  const int heavyEnd = std::clamp(gridX / 2 - b.origin[0], 0, b.size[0]) + 1;  // ghosted x past the heavy planes
  const int extras = imbalance - 1;
  sweep<false>(b, u, next, 1, b.size[0] + 1, ghosts, faces, extras > 0 ? heavyEnd : 1);
  for (int extra = 1; extra <= extras; ++extra)
    sweep<true>(b, u, next, 1, heavyEnd, ghosts, extra == extras ? faces : FacesOut{}, 1);
}

// The sum of the interior, in C order.
inline double interiorSum(const BlockLayout& b, const Grid& u) {
  double sum = 0;
  for (int x = 1; x <= b.size[0]; ++x)
    for (int y = 1; y <= b.size[1]; ++y)
      for (int z = 1; z <= b.size[2]; ++z) sum += u[b.at(x, y, z)];
  return sum;
}

// --- faces -------------------------------------------------------------------
// Direction d = 2 * axis + side names a face: side 0 the low one (x-1, ...),
// side 1 the high one. A block sends the interior plane next to face d to the
// neighbour across it, which stores it in its ghost plane on face opposite(d).
inline constexpr int kDirections = 6;
inline int opposite(int direction) { return direction ^ 1; }

// The neighbour's coordinates across face `direction`; false on the grid's boundary.
inline bool neighbourCoords(const std::array<int, 3>& coords, const std::array<int, 3>& parts, int direction,
                            std::array<int, 3>& neighbour) {
  neighbour = coords;
  neighbour[direction / 2] += direction % 2 ? 1 : -1;
  return neighbour[direction / 2] >= 0 && neighbour[direction / 2] < parts[direction / 2];
}

inline std::size_t faceSize(const BlockLayout& b, int direction) {
  const int axis = direction / 2;
  return static_cast<std::size_t>(b.size[(axis + 1) % 3]) * static_cast<std::size_t>(b.size[(axis + 2) % 3]);
}

// One plane of a block's cells: `rows` rows of `cols` cells, with strides
// (the cells of a row are contiguous unless the plane is normal to z).
struct Plane {
  std::size_t first;
  int rows, cols;
  std::ptrdiff_t rowStride, colStride;
};

// The plane on face `direction`: the ghost plane, or the interior plane next to it.
inline Plane facePlane(const BlockLayout& b, int direction, bool ghost) {
  const int axis = direction / 2;
  std::array<int, 3> corner{1, 1, 1};
  corner[axis] = direction % 2 ? (ghost ? b.size[axis] + 1 : b.size[axis]) : (ghost ? 0 : 1);
  const std::size_t first = b.at(corner[0], corner[1], corner[2]);
  switch (axis) {
    case 0:
      return {first, b.size[1], b.size[2], b.strideY(), 1};
    case 1:
      return {first, b.size[0], b.size[2], b.strideX(), 1};
    default:
      return {first, b.size[0], b.size[1], b.strideX(), b.strideY()};
  }
}

// Copies the interior plane next to face `direction` into `out` (faceSize doubles).
inline void packFace(const BlockLayout& b, const double* u, int direction, double* out) {
  const Plane p = facePlane(b, direction, false);
  for (int r = 0; r < p.rows; ++r, out += p.cols) {
    const double* row = u + p.first + r * p.rowStride;
    if (p.colStride == 1)
      std::copy_n(row, p.cols, out);
    else
      for (int c = 0; c < p.cols; ++c) out[c] = row[c * p.colStride];
  }
}

// Copies a neighbour's face into the ghost plane on face `direction`.
inline void unpackGhost(const BlockLayout& b, double* u, int direction, const double* in) {
  const Plane p = facePlane(b, direction, true);
  for (int r = 0; r < p.rows; ++r, in += p.cols) {
    double* row = u + p.first + r * p.rowStride;
    if (p.colStride == 1)
      std::copy_n(in, p.cols, row);
    else
      for (int c = 0; c < p.cols; ++c) row[c * p.colStride] = in[c];
  }
}

// --- output ---------------------------------------------------------------------

struct Result {
  const char* flavour;
  int pes;
  Options options;
  std::array<int, 3> blocks;  // the decomposition
  std::string lb;             // the balancer, or "off"
  double seconds;             // wall time of all the iterations
  double checksum;
  std::vector<double> computeSeconds;  // per PE: time its blocks spent in iterate()
};

// The readable summary, then the JSON line of README.md.
inline void printResult(const Result& r) {
  const Options& o = r.options;
  const double msPerIter = 1e3 * r.seconds / o.iters;
  std::printf("stencil3d (%s): grid %d x %d x %d, %d x %d x %d blocks on %d PEs, %d iterations, imbalance %d, lb %s\n",
              r.flavour, o.grid[0], o.grid[1], o.grid[2], r.blocks[0], r.blocks[1], r.blocks[2], r.pes, o.iters,
              o.imbalance, r.lb.c_str());
  std::printf("  time %.3f s, %.3f ms per iteration\n", r.seconds, msPerIter);
  const auto [least, most] = std::minmax_element(r.computeSeconds.begin(), r.computeSeconds.end());
  std::printf("  computing per PE: max %.3g s, min %.3g s (max/min %.2f)\n", *most, *least,
              *least > 0 ? *most / *least : 0.0);
  std::printf("  checksum %.17g\n", r.checksum);
  std::printf(
      "{\"bench\": \"stencil3d\", \"flavour\": \"%s\", \"pes\": %d, \"grid\": [%d, %d, %d], "
      "\"blocks\": [%d, %d, %d], \"iters\": %d, \"imbalance\": %d, \"lb\": \"%s\", "
      "\"ms_per_iter\": %.4f, \"checksum\": %.17g}\n",
      r.flavour, r.pes, o.grid[0], o.grid[1], o.grid[2], r.blocks[0], r.blocks[1], r.blocks[2], o.iters, o.imbalance,
      r.lb.c_str(), msPerIter, r.checksum);
  std::fflush(stdout);
}

}  // namespace stencil3d
