// leanmd-cpp: LeanMD with the libcharmrt C++ API. Lennard-Jones molecular dynamics
// over a periodic box of cells, one compute object per pair of neighbouring cells,
// particle migration between cells and AtSync load balancing. The physics, the
// options and the output are specified in README.md; every formula is written as in
// leanmd.py (same operations, same order) so that both print the same energies.
//
//   mpirun -n 2 leanmd-cpp --cells 3 3 4 --particles 150 --steps 50 [--lb-period 10 +balancer GreedyLB]
#include <charm.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

// --- constants (README.md, "Constants") -------------------------------------------
constexpr double kEpsilon = 1.0;
constexpr double kSigma = 1.0;
constexpr double kMass = 1.0;
constexpr double kDt = 0.005;
constexpr double kHalfDt = 0.5 * kDt / kMass;
constexpr double kSpacing = 1.2;
constexpr double kJitter = 0.2;
const double kVmax = std::sqrt(3.0);

constexpr int kNumOffsets = 14;              // computes per cell
constexpr int kNumSlots = 2 * kNumOffsets - 1;  // computes involving a cell
constexpr int kStay = 13;                    // neighbour code of offset (0, 0, 0)
constexpr int kRow = 7;                      // a migrating particle: id, x, y, z, vx, vy, vz

using Offset = std::array<int, 3>;
using Vec3 = std::array<double, 3>;
using Energies = std::vector<std::vector<double>>;  // per cell, in index order: ke, pe, count

// Offset 0 is the cell itself, then the 13 lexicographically positive offsets.
std::array<Offset, kNumOffsets> makeOffsets() {
  std::array<Offset, kNumOffsets> offsets{};
  int k = 1;
  for (int dx = -1; dx <= 1; ++dx)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dz = -1; dz <= 1; ++dz)
        if (Offset{dx, dy, dz} > Offset{0, 0, 0}) offsets[static_cast<std::size_t>(k++)] = {dx, dy, dz};
  return offsets;
}
const std::array<Offset, kNumOffsets> kOffsets = makeOffsets();

// The run's parameters and what follows from them (cell side, cutoff, box).
struct Setup {
  std::array<int, 3> cells{3, 3, 3};
  int particles = 100;
  int steps = 100;
  int migrateEvery = 10;
  int lbPeriod = 0;
  int printEvery = 10;
  int sites = 1;
  double side = 0;
  double cutoff = 0;
  Vec3 box{};
  double ecut = 0;

  void derive() {
    sites = 1;
    while (sites * sites * sites < particles) ++sites;
    side = sites * kSpacing;
    cutoff = side;
    for (int d = 0; d < 3; ++d) box[d] = cells[d] * side;
    const double ir2 = kSigma * kSigma / (cutoff * cutoff);
    const double ir6 = ir2 * ir2 * ir2;
    ecut = 4.0 * kEpsilon * (ir6 * ir6 - ir6);
  }

  // The evaluations whose energy is printed: 0, every printEvery-th, the last.
  std::vector<int> reportSteps() const {
    std::set<int> steps_{0, steps};
    if (printEvery > 0)
      for (int e = printEvery; e < steps; e += printEvery) steps_.insert(e);
    return {steps_.begin(), steps_.end()};
  }

  // The cell at `offset` from `cell` (periodic) and the shift that moves its
  // particles next to `cell`.
  std::pair<Offset, Vec3> wrap(const Offset& cell, const Offset& offset) const {
    Offset target{};
    Vec3 shift{};
    for (int d = 0; d < 3; ++d) {
      const int u = cell[d] + offset[d];
      const int n = cells[d];
      shift[d] = u >= n ? box[d] : u < 0 ? -box[d] : 0.0;
      target[d] = ((u % n) + n) % n;
    }
    return {target, shift};
  }

  // The 27 compute indices (x, y, z, k) involving `cell` in slot order, each with
  // the cell's role in it (0: first cell A, 1: second cell B).
  std::vector<std::pair<charm::ArrayIndex, int>> slots(const Offset& cell) const {
    std::vector<std::pair<charm::ArrayIndex, int>> all;
    for (int k = 0; k < kNumOffsets; ++k) all.push_back({{cell[0], cell[1], cell[2], k}, 0});
    for (int k = 1; k < kNumOffsets; ++k) {
      const Offset& o = kOffsets[static_cast<std::size_t>(k)];
      const Offset first = wrap(cell, {-o[0], -o[1], -o[2]}).first;
      all.push_back({{first[0], first[1], first[2], k}, 1});
    }
    std::sort(all.begin(), all.end());
    return all;
  }

  int slotOf(const Offset& cell, const charm::ArrayIndex& compute, int role) const {
    const auto all = slots(cell);
    const auto it = std::find(all.begin(), all.end(), std::make_pair(compute, role));
    return static_cast<int>(it - all.begin());
  }

  std::int64_t linear(const Offset& cell) const {
    return (static_cast<std::int64_t>(cell[0]) * cells[1] + cell[1]) * cells[2] + cell[2];
  }

  void pup(charm::Pup& p) {
    p | cells | particles | steps | migrateEvery | lbPeriod | printEvery;
    if (p.isUnpacking()) derive();
  }
};

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Deterministic number in [0, 1) for particle `id`, component j (0..5).
double uniform(std::int64_t id, int j) {
  return static_cast<double>(splitmix64(static_cast<std::uint64_t>(id) * 8 + static_cast<std::uint64_t>(j)) >> 11) *
         (1.0 / 9007199254740992.0);
}

// --- kernels (the same loops as leanmd.py's Numba kernels) ---------------------------

// One pair of particles (a - b = (dx, dy, dz)): within the cutoff, the
// Lennard-Jones force on a is added to (fx, fy, fz), taken from fb[0..2] (b's), and
// the pair's energy added to pe.
inline void interact(double dx, double dy, double dz, double rc2, double ecut, double* fb, double& fx, double& fy,
                     double& fz, double& pe) {
  const double r2 = dx * dx + dy * dy + dz * dz;
  if (r2 < rc2) {
    const double ir2 = kSigma * kSigma / r2;
    const double ir6 = ir2 * ir2 * ir2;
    const double fr = 24.0 * kEpsilon * (2.0 * ir6 * ir6 - ir6) * ir2;
    fx = fx + fr * dx;
    fy = fy + fr * dy;
    fz = fz + fr * dz;
    fb[0] = fb[0] - fr * dx;
    fb[1] = fb[1] - fr * dy;
    fb[2] = fb[2] - fr * dz;
    pe = pe + (4.0 * kEpsilon * (ir6 * ir6 - ir6) - ecut);
  }
}

// Forces between two cells' particles (B shifted by `shift`) into fa, fb; returns
// the pairs' potential energy.
double pairForces(const std::vector<double>& xa, const std::vector<double>& xb, const Vec3& shift, double rc2,
                  double ecut, std::vector<double>& fa, std::vector<double>& fb) {
  const std::size_t na = xa.size() / 3, nb = xb.size() / 3;
  fa.resize(xa.size());
  fb.assign(xb.size(), 0.0);
  double pe = 0.0;
  const double sx = shift[0], sy = shift[1], sz = shift[2];
  for (std::size_t i = 0; i < na; ++i) {
    const double ax = xa[3 * i], ay = xa[3 * i + 1], az = xa[3 * i + 2];
    double fx = 0.0, fy = 0.0, fz = 0.0;  // fa[i] (zero until now), added to in the same order
    for (std::size_t j = 0; j < nb; ++j) {
      interact(ax - (xb[3 * j] + sx), ay - (xb[3 * j + 1] + sy), az - (xb[3 * j + 2] + sz), rc2, ecut,
               &fb[3 * j], fx, fy, fz, pe);
    }
    fa[3 * i] = fx;
    fa[3 * i + 1] = fy;
    fa[3 * i + 2] = fz;
  }
  return pe;
}

// Forces between the particles of one cell into f; returns their potential energy
// (each pair once).
double selfForces(const std::vector<double>& x, double rc2, double ecut, std::vector<double>& f) {
  const std::size_t n = x.size() / 3;
  f.assign(x.size(), 0.0);
  double pe = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double ax = x[3 * i], ay = x[3 * i + 1], az = x[3 * i + 2];
    double fx = f[3 * i], fy = f[3 * i + 1], fz = f[3 * i + 2];  // what the pairs (j, i), j < i, gave it
    for (std::size_t j = i + 1; j < n; ++j) {
      interact(ax - x[3 * j], ay - x[3 * j + 1], az - x[3 * j + 2], rc2, ecut, &f[3 * j], fx, fy, fz, pe);
    }
    f[3 * i] = fx;
    f[3 * i + 1] = fy;
    f[3 * i + 2] = fz;
  }
  return pe;
}

class Compute;

// --- the chares -------------------------------------------------------------------------

// A cell of the box: owns its particles, sends their positions to the 27 computes
// that involve it, adds their forces in slot order, integrates and hands particles
// that left to its neighbours.
class Cell : public charm::ArrayElement<Cell> {
 public:
  Cell() = default;  // for migration
  Cell(Setup setup, std::map<int, charm::Future<Energies>> reports)
      : setup_(std::move(setup)), reports_(std::move(reports)) {
    const int P = setup_.particles, k = setup_.sites;
    const Offset c = cell();
    const std::int64_t first = setup_.linear(c) * P;
    for (int p = 0; p < P; ++p) {
      const std::int64_t id = first + p;
      const int s = static_cast<int>(static_cast<std::int64_t>(p) * k * k * k / P);
      const int site[3] = {s / (k * k), (s / k) % k, s % k};
      ids_.push_back(id);
      for (int d = 0; d < 3; ++d)
        x_.push_back(c[d] * setup_.side + ((site[d] + 0.5) + kJitter * (uniform(id, d) - 0.5)) * kSpacing);
      for (int d = 0; d < 3; ++d) v_.push_back((2.0 * uniform(id, 3 + d) - 1.0) * kVmax);
    }
    force_.assign(x_.size(), 0.0);
  }

  // Connects to the computes and sends the initial positions (evaluation 0).
  void start(charm::ArrayProxy<Compute> computes) {
    for (const auto& [index, role] : setup_.slots(cell())) targets_.push_back({computes[index], role});
    int code = 0;
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dz = -1; dz <= 1; ++dz, ++code)
          if (code != kStay) {
            const Offset n = setup_.wrap(cell(), {dx, dy, dz}).first;
            neighbours_.push_back({code, thisProxy()[{n[0], n[1], n[2]}]});
          }
    sendPositions();
  }

  // Starts the time steps after evaluation 0.
  void run() { step(); }

  // The forces (and, from a compute owned by this cell, the potential energy) of
  // compute `slot` for the current evaluation.
  void forces(int slot, std::vector<double> force, double pe) {
    received_[static_cast<std::size_t>(slot)] = std::move(force);
    receivedPe_[static_cast<std::size_t>(slot)] = pe;
    if (++arrived_ == kNumSlots) {
      arrived_ = 0;
      evaluated();
    }
  }

  // Particles that moved into this cell after step `step` (from one neighbour; it
  // may be a step ahead of this cell).
  void particles(int step, std::vector<double> rows) {
    if (step != evaluation_ && step != evaluation_ + 1)
      charm::abort("cell " + thisIndex().toString() + " at step " + std::to_string(evaluation_) +
                   " got particles of step " + std::to_string(step));
    incoming_.push_back(std::move(rows));
    mergeIfComplete();
  }

  void resumeFromSync() override { sendPositions(); }

  void pup(charm::Pup& p) {
    p | setup_ | reports_ | ids_ | x_ | v_ | force_ | received_ | receivedPe_ | arrived_ | evaluation_;
    p | targets_ | neighbours_ | leaving_ | leavingReady_ | incoming_;
  }

 private:
  Offset cell() const { return {thisIndex()[0], thisIndex()[1], thisIndex()[2]}; }

  void sendPositions();  // defined after Compute

  // All 27 computes have reported: completes the evaluation (README.md) and goes on.
  void evaluated() {
    const std::size_t n = ids_.size();
    std::fill(force_.begin(), force_.end(), 0.0);
    for (const auto& f : received_)
      for (std::size_t i = 0; i < 3 * n; ++i) force_[i] = force_[i] + f[i];
    double pe = 0.0;
    for (double slotPe : receivedPe_) pe = pe + slotPe;
    if (evaluation_ > 0)
      for (std::size_t i = 0; i < 3 * n; ++i) v_[i] = v_[i] + kHalfDt * force_[i];
    double ke = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      ke = ke + 0.5 * kMass * (v_[3 * i] * v_[3 * i] + v_[3 * i + 1] * v_[3 * i + 1] + v_[3 * i + 2] * v_[3 * i + 2]);
    const auto report = reports_.find(evaluation_);
    if (report != reports_.end())
      contribute(std::vector<double>{ke, pe, static_cast<double>(n)}, charm::reducer::gather,
                 report->second.callback());
    if (evaluation_ > 0 && evaluation_ < setup_.steps) step();
  }

  // Time step evaluation+1: kick, drift, then migration and AtSync when due.
  void step() {
    ++evaluation_;
    for (std::size_t i = 0; i < x_.size(); ++i) {
      v_[i] = v_[i] + kHalfDt * force_[i];
      x_[i] = x_[i] + kDt * v_[i];
    }
    if (setup_.migrateEvery > 0 && evaluation_ % setup_.migrateEvery == 0)
      sendLeavers();
    else
      afterMigration();
  }

  // Sends every neighbour the particles now in its volume (maybe none).
  void sendLeavers() {
    const Offset c = cell();
    std::array<std::vector<double>, 27> out;
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      int code = 0;
      for (int d = 0; d < 3; ++d) {
        const int t = static_cast<int>(std::floor(x_[3 * i + d] / setup_.side));
        const int o = t - c[d];
        if (o < -1 || o > 1)
          charm::abort("cell " + thisIndex().toString() + ": a particle moved more than one cell in " +
                       std::to_string(setup_.migrateEvery) + " steps");
        code = code * 3 + (o + 1);
      }
      for (int d = 0; d < 3; ++d) {
        const int t = static_cast<int>(std::floor(x_[3 * i + d] / setup_.side));
        if (t == setup_.cells[d])
          x_[3 * i + d] = x_[3 * i + d] - setup_.box[d];
        else if (t == -1)
          x_[3 * i + d] = x_[3 * i + d] + setup_.box[d];
      }
      std::vector<double>& rows = out[static_cast<std::size_t>(code)];
      rows.push_back(static_cast<double>(ids_[i]));
      rows.insert(rows.end(), x_.begin() + 3 * i, x_.begin() + 3 * i + 3);
      rows.insert(rows.end(), v_.begin() + 3 * i, v_.begin() + 3 * i + 3);
    }
    for (const auto& [code, neighbour] : neighbours_)
      neighbour.invoke<&Cell::particles>(evaluation_, out[static_cast<std::size_t>(code)]);
    leaving_ = std::move(out[kStay]);
    leavingReady_ = true;
    mergeIfComplete();
  }

  void mergeIfComplete() {
    if (!leavingReady_ || incoming_.size() < neighbours_.size()) return;
    std::vector<double> rows = std::move(leaving_);
    for (const auto& in : incoming_) rows.insert(rows.end(), in.begin(), in.end());
    leaving_.clear();
    leavingReady_ = false;
    incoming_.clear();
    const std::size_t n = rows.size() / kRow;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rows[a * kRow] < rows[b * kRow]; });
    ids_.resize(n);
    x_.resize(3 * n);
    v_.resize(3 * n);
    for (std::size_t i = 0; i < n; ++i) {
      const double* row = &rows[order[i] * kRow];
      ids_[i] = static_cast<std::int64_t>(row[0]);
      for (int d = 0; d < 3; ++d) {
        x_[3 * i + d] = row[1 + d];
        v_[3 * i + d] = row[4 + d];
      }
    }
    force_.assign(3 * n, 0.0);
    afterMigration();
  }

  void afterMigration() {
    if (setup_.lbPeriod > 0 && evaluation_ % setup_.lbPeriod == 0)
      AtSync();
    else
      sendPositions();
  }

  Setup setup_;
  std::map<int, charm::Future<Energies>> reports_;  // evaluation -> gathered energies
  std::vector<std::int64_t> ids_;
  std::vector<double> x_, v_, force_;  // 3 per particle
  std::array<std::vector<double>, kNumSlots> received_;
  std::array<double, kNumSlots> receivedPe_{};
  int arrived_ = 0;
  int evaluation_ = 0;
  std::vector<std::pair<charm::ElementProxy<Compute>, int>> targets_;  // (compute, role) in slot order
  std::vector<std::pair<int, charm::ElementProxy<Cell>>> neighbours_;  // (code, cell) of the 26 neighbours
  std::vector<double> leaving_;  // rows of the particles that stay, once sorted out
  bool leavingReady_ = false;
  std::vector<std::vector<double>> incoming_;  // rows received this migration
};

// The interactions between two neighbouring cells (or within one cell): gets both
// cells' positions, computes the forces and returns each cell its share.
class Compute : public charm::ArrayElement<Compute> {
 public:
  Compute() = default;  // for migration
  Compute(Setup setup, charm::ArrayProxy<Cell> cells) : setup_(std::move(setup)) {
    const Offset a{thisIndex()[0], thisIndex()[1], thisIndex()[2]};
    const int k = thisIndex()[3];
    const auto [b, shift] = setup_.wrap(a, kOffsets[static_cast<std::size_t>(k)]);
    pairsItself_ = k == 0;
    shift_ = shift;
    cellA_ = cells[{a[0], a[1], a[2]}];
    cellB_ = cells[{b[0], b[1], b[2]}];
    slotA_ = setup_.slotOf(a, thisIndex(), 0);
    slotB_ = k ? setup_.slotOf(b, thisIndex(), 1) : -1;
  }

  // Positions of cell A (role 0) or B (role 1) for the next evaluation.
  void positions(int role, std::vector<double> x) {
    (role == 0 ? xa_ : xb_) = std::move(x);
    (role == 0 ? haveA_ : haveB_) = true;
    if (!haveA_ || (!haveB_ && !pairsItself_)) return;
    haveA_ = haveB_ = false;
    const double rc2 = setup_.cutoff * setup_.cutoff;
    if (pairsItself_) {
      const double pe = selfForces(xa_, rc2, setup_.ecut, fa_);
      cellA_.invoke<&Cell::forces>(slotA_, fa_, pe);
    } else {
      const double pe = pairForces(xa_, xb_, shift_, rc2, setup_.ecut, fa_, fb_);
      cellA_.invoke<&Cell::forces>(slotA_, fa_, pe);
      cellB_.invoke<&Cell::forces>(slotB_, fb_, 0.0);
    }
    ++evaluation_;
    if (setup_.lbPeriod > 0 && evaluation_ % setup_.lbPeriod == 0 && evaluation_ <= setup_.steps) AtSync();
  }

  void pup(charm::Pup& p) {
    p | setup_ | pairsItself_ | shift_ | cellA_ | cellB_ | slotA_ | slotB_ | xa_ | xb_ | haveA_ | haveB_;
    p | evaluation_;
  }

 private:
  Setup setup_;
  bool pairsItself_ = false;
  Vec3 shift_{};
  charm::ElementProxy<Cell> cellA_, cellB_;
  int slotA_ = -1, slotB_ = -1;
  std::vector<double> xa_, xb_, fa_, fb_;  // fa_, fb_: reused buffers, not state
  bool haveA_ = false, haveB_ = false;
  int evaluation_ = 0;
};

void Cell::sendPositions() {
  for (const auto& [compute, role] : targets_) compute.invoke<&Compute::positions>(role, x_);
}

// --- the main program -------------------------------------------------------------------

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "leanmd-cpp: %s (see apps/leanmd/README.md)\n", why.c_str());
  charm::abort(why);
}

bool isNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// The options of README.md from the program's arguments (args[0] is the program).
Setup parseOptions(const std::vector<std::string>& args) {
  Setup s;
  std::map<std::string, int*> ints{{"--particles", &s.particles},
                                   {"--steps", &s.steps},
                                   {"--migrate-every", &s.migrateEvery},
                                   {"--lb-period", &s.lbPeriod},
                                   {"--print-every", &s.printEvery}};
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--cells") {
      std::vector<int> given;
      while (i + 1 < args.size() && isNumber(args[i + 1]) && given.size() < 3) {
        ++i;
        given.push_back(std::stoi(args[i]));
      }
      if (given.size() == 1) given.assign(3, given[0]);
      if (given.size() != 3) usage("--cells takes N or X Y Z");
      s.cells = {given[0], given[1], given[2]};
    } else if (ints.count(args[i]) && i + 1 < args.size() && isNumber(args[i + 1])) {
      *ints[args[i]] = std::stoi(args[i + 1]);
      ++i;
    } else {
      usage("unknown option or missing value: " + args[i]);
    }
  }
  if (*std::min_element(s.cells.begin(), s.cells.end()) < 3 || s.particles < 1 || s.steps < 1)
    usage("needs at least 3 cells per dimension, 1 particle, 1 step");
  s.derive();
  return s;
}

std::string balancerName(const Setup& setup) {
  const std::string lb = charm::balancerName();  // "" under +LBOff
  return setup.lbPeriod == 0 || lb.empty() ? "off" : lb;
}

struct Totals {
  double ke = 0.0, pe = 0.0;
  long long particles = 0;
};

// The whole box's energies from the cells' values, added in cell order.
Totals totals(const Energies& gathered) {
  Totals t;
  for (const auto& cell : gathered) {
    t.ke = t.ke + cell[0];
    t.pe = t.pe + cell[1];
    t.particles += static_cast<long long>(cell[2]);
  }
  return t;
}

double secondsNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void leanmdMain(std::vector<std::string> args) {
  const Setup setup = parseOptions(args);
  const std::string lb = balancerName(setup);
  const auto [X, Y, Z] = setup.cells;
  std::printf("LeanMD (cpp) on %d PEs: %d x %d x %d cells, %d particles per cell, %d steps, "
              "migration every %d, AtSync every %d (lb %s)\n",
              charm::numPes(), X, Y, Z, setup.particles, setup.steps, setup.migrateEvery, setup.lbPeriod,
              lb.c_str());
  std::printf("cell side = cutoff = %g, box %g x %g x %g, dt %g\n", setup.side, setup.box[0], setup.box[1],
              setup.box[2], kDt);
  std::map<int, charm::Future<Energies>> reports;
  for (int e : setup.reportSteps()) reports[e] = charm::Future<Energies>::make();
  const double created = secondsNow();
  auto cells = charm::ArrayProxy<Cell>::createUsingAtSync({X, Y, Z}, setup, reports);
  auto computes = charm::ArrayProxy<Compute>::createUsingAtSync({X, Y, Z, kNumOffsets}, setup, cells);
  cells.broadcast<&Cell::start>(computes);
  std::map<int, Totals> results;
  double started = 0;
  for (auto& [e, future] : reports) {
    const Totals t = results[e] = totals(future.get());
    if (e == 0) {
      started = secondsNow();
      std::printf("set-up and evaluation 0: %.3f s\n", started - created);
      cells.broadcast<&Cell::run>();
    }
    std::printf("step %d: energy %.12g (kinetic %.12g, potential %.12g), %lld particles\n", e, t.ke + t.pe, t.ke,
                t.pe, t.particles);
  }
  const double ended = secondsNow();
  const double msPerStep = (ended - started) * 1000.0 / setup.steps;
  const Totals& first = results[0];
  const Totals& last = results[setup.steps];
  const double initial = first.ke + first.pe, final_ = last.ke + last.pe;
  std::printf("%d steps in %.3f s: %.3f ms per step; energy drift %.3g (relative)\n", setup.steps, ended - started,
              msPerStep, (final_ - initial) / std::abs(initial));
  std::printf("{\"bench\": \"leanmd\", \"flavour\": \"cpp\", \"pes\": %d, \"cells\": [%d, %d, %d], "
              "\"particles_per_cell\": %d, \"particles\": %lld, \"steps\": %d, \"migrate_every\": %d, "
              "\"lb_period\": %d, \"lb\": \"%s\", \"ms_per_step\": %.4f, \"initial_energy\": %.17g, "
              "\"energy\": %.17g}\n",
              charm::numPes(), X, Y, Z, setup.particles, last.particles, setup.steps, setup.migrateEvery,
              setup.lbPeriod, lb.c_str(), msPerStep, initial, final_);
  std::fflush(stdout);
  charm::exit(0);
}

}  // namespace

int main(int argc, char** argv) { return charm::run(argc, argv, leanmdMain); }
