# LeanMD in charmpy: Lennard-Jones molecular dynamics over a periodic box of cells,
# with one compute object per pair of neighbouring cells, Numba kernels, particle
# migration between cells and AtSync load balancing. The physics, the options and
# the output are specified in README.md (shared with leanmd.cpp, which must print the
# same energies).
#
#   mpirun -n 2 charmpy-run leanmd.py --cells 3 3 4 --particles 150 --steps 50 [+balancer GreedyLB --lb-period 10]
import json
import math
import sys
import time

import numpy as np
from numba import njit, types

import _charmpy
from charmpy import charm, Chare, Array, Reducer, Future

# --- constants (README.md, "Constants") --------------------------------------------
EPSILON = 1.0
SIGMA = 1.0
MASS = 1.0
DT = 0.005
HDT = 0.5 * DT / MASS
SPACING = 1.2
JITTER = 0.2
VMAX = math.sqrt(3.0)

# Offset 0 is the cell itself, then the 13 lexicographically positive offsets.
OFFSETS = [(0, 0, 0)] + [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
                         if (dx, dy, dz) > (0, 0, 0)]
NUM_OFFSETS = len(OFFSETS)      # 14 computes per cell
NUM_SLOTS = 2 * NUM_OFFSETS - 1  # 27 computes per cell
STAY = 13                       # neighbour code of offset (0, 0, 0): (dx+1)*9 + (dy+1)*3 + (dz+1)
ROW = 7                         # a migrating particle: id, x, y, z, vx, vy, vz

MASK64 = (1 << 64) - 1


# --- the geometry, the same on every PE ----------------------------------------------

class Setup:
    """The run's parameters and what follows from them (cell side, cutoff, box)."""

    def __init__(self, cells, particles, steps, migrate_every, lb_period, print_every):
        self.cells = tuple(cells)
        self.particles = particles
        self.steps = steps
        self.migrate_every = migrate_every
        self.lb_period = lb_period
        self.print_every = print_every
        self.sites = 1
        while self.sites ** 3 < particles:
            self.sites += 1
        self.side = self.sites * SPACING
        self.cutoff = self.side
        self.box = tuple(n * self.side for n in self.cells)
        ir2 = SIGMA * SIGMA / (self.cutoff * self.cutoff)
        ir6 = ir2 * ir2 * ir2
        self.ecut = 4.0 * EPSILON * (ir6 * ir6 - ir6)

    def report_steps(self):
        """The evaluations whose energy is printed: 0, every print_every-th, the last."""
        every = self.print_every
        return sorted({0, self.steps} | (set(range(every, self.steps, every)) if every > 0 else set()))

    def wrap(self, cell, offset):
        """The cell at `offset` from `cell` (periodic) and the shift (x, y, z) that
        moves its particles next to `cell`."""
        target, shift = [], []
        for d in range(3):
            u = cell[d] + offset[d]
            n = self.cells[d]
            shift.append(self.box[d] if u >= n else -self.box[d] if u < 0 else 0.0)
            target.append(u % n)
        return tuple(target), tuple(shift)

    def slots(self, cell):
        """The 27 compute indices (x, y, z, k) that involve `cell`, in slot order, each
        with the cell's role in it (0: first cell A, 1: second cell B)."""
        mine = [(cell + (k,), 0) for k in range(NUM_OFFSETS)]
        theirs = []
        for k in range(1, NUM_OFFSETS):
            back = tuple(-o for o in OFFSETS[k])
            first, _ = self.wrap(cell, back)
            theirs.append((first + (k,), 1))
        return sorted(mine + theirs)

    def linear(self, cell):
        """The cell's number in x-slowest order (its particles' ids start at number * P)."""
        return (cell[0] * self.cells[1] + cell[1]) * self.cells[2] + cell[2]


def splitmix64(z):
    """The splitmix64 hash of a 64-bit integer (README.md)."""
    z = (z + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def uniform(pid, j):
    """Deterministic number in [0, 1) for particle `pid`, component j (0..5)."""
    return (splitmix64(pid * 8 + j) >> 11) * (1.0 / 9007199254740992.0)


def initial_particles(setup, cell):
    """The ids, positions and velocities a cell starts with (README.md)."""
    P, k = setup.particles, setup.sites
    ids = np.empty(P, dtype=np.int64)
    x = np.empty((P, 3))
    v = np.empty((P, 3))
    first = setup.linear(cell) * P
    for p in range(P):
        pid = first + p
        s = (p * k ** 3) // P
        site = (s // (k * k), (s // k) % k, s % k)
        ids[p] = pid
        for d in range(3):
            x[p, d] = cell[d] * setup.side + ((site[d] + 0.5) + JITTER * (uniform(pid, d) - 0.5)) * SPACING
            v[p, d] = (2.0 * uniform(pid, 3 + d) - 1.0) * VMAX
    return ids, x, v


# --- Numba kernels (compiled once per PE, at import; inputs that may be received
# arrays are declared read-only, which also accepts writable ones) -------------------

# cache: later runs load the compiled kernels. error_model='numpy': a division by
# zero gives inf like C instead of raising, so the divisions in the loops carry no
# test (none ever divides by zero: particles are never that close).
KERNEL_OPTIONS = dict(cache=True, error_model='numpy')
# The pair loops count with unsigned while loops: a range() loop gives a signed
# index, so every array access also handles negative indices, and Numba adds a
# separate trip counter. Counted this way the inner loop is as tight as the C++
# flavour's and the kernels run about 20% faster (the arithmetic is the same).
ONE = np.uint64(1)

_ro2 = types.Array(types.float64, 2, 'C', readonly=True)
_ro3 = types.Array(types.float64, 3, 'C', readonly=True)
_ro1 = types.Array(types.float64, 1, 'C', readonly=True)
_rw2 = types.Array(types.float64, 2, 'C')


@njit(inline='always', **KERNEL_OPTIONS)
def _interact(dx, dy, dz, rc2, ecut, fb, j, fx, fy, fz, pe):
    """One pair of particles (a - b = (dx, dy, dz)): within the cutoff, the
    Lennard-Jones force on a is added to (fx, fy, fz), taken from fb[j] (b's), and
    the pair's energy added to pe; returns (fx, fy, fz, pe)."""
    r2 = dx * dx + dy * dy + dz * dz
    if r2 < rc2:
        ir2 = SIGMA * SIGMA / r2
        ir6 = ir2 * ir2 * ir2
        fr = 24.0 * EPSILON * (2.0 * ir6 * ir6 - ir6) * ir2
        fx = fx + fr * dx
        fy = fy + fr * dy
        fz = fz + fr * dz
        fb[j, 0] = fb[j, 0] - fr * dx
        fb[j, 1] = fb[j, 1] - fr * dy
        fb[j, 2] = fb[j, 2] - fr * dz
        pe = pe + (4.0 * EPSILON * (ir6 * ir6 - ir6) - ecut)
    return fx, fy, fz, pe


@njit(types.float64(_ro2, _ro2, _ro1, types.float64, types.float64, _rw2, _rw2), **KERNEL_OPTIONS)
def pair_forces(xa, xb, shift, rc2, ecut, fa, fb):
    """Forces between two cells' particles (B shifted by `shift`) into fa and fb (both
    overwritten); returns the pairs' potential energy."""
    fb[:] = 0.0
    pe = 0.0
    sx, sy, sz = shift[0], shift[1], shift[2]
    na, nb = np.uint64(xa.shape[0]), np.uint64(xb.shape[0])
    i = np.uint64(0)
    while i < na:
        ax, ay, az = xa[i, 0], xa[i, 1], xa[i, 2]
        fx = fy = fz = 0.0  # fa[i] (zero until now), added to in the same order
        j = np.uint64(0)
        while j < nb:
            fx, fy, fz, pe = _interact(ax - (xb[j, 0] + sx), ay - (xb[j, 1] + sy), az - (xb[j, 2] + sz),
                                       rc2, ecut, fb, j, fx, fy, fz, pe)
            j += ONE
        fa[i, 0] = fx
        fa[i, 1] = fy
        fa[i, 2] = fz
        i += ONE
    return pe


@njit(types.float64(_ro2, types.float64, types.float64, _rw2), **KERNEL_OPTIONS)
def self_forces(x, rc2, ecut, f):
    """Forces between the particles of one cell into f (zeroed here); returns their
    potential energy (each pair once)."""
    f[:] = 0.0
    pe = 0.0
    n = np.uint64(x.shape[0])
    i = np.uint64(0)
    while i < n:
        ax, ay, az = x[i, 0], x[i, 1], x[i, 2]
        fx, fy, fz = f[i, 0], f[i, 1], f[i, 2]  # what the pairs (j, i), j < i, gave it
        j = i + ONE
        while j < n:
            fx, fy, fz, pe = _interact(ax - x[j, 0], ay - x[j, 1], az - x[j, 2], rc2, ecut, f, j, fx, fy, fz, pe)
            j += ONE
        f[i, 0] = fx
        f[i, 1] = fy
        f[i, 2] = fz
        i += ONE
    return pe


@njit(types.UniTuple(types.float64, 2)(_ro3, _ro1, _rw2, _rw2, types.boolean), **KERNEL_OPTIONS)
def finish_evaluation(received, received_pe, force, v, kick):
    """Adds the slots' forces (the first force.shape[0] rows of each) and energies in
    slot order into `force`, completes the velocities (second half kick, unless
    evaluation 0) and returns the cell's (kinetic, potential) energy."""
    n = force.shape[0]
    force[:] = 0.0
    for s in range(received.shape[0]):
        for i in range(n):
            force[i, 0] = force[i, 0] + received[s, i, 0]
            force[i, 1] = force[i, 1] + received[s, i, 1]
            force[i, 2] = force[i, 2] + received[s, i, 2]
    pe = 0.0
    for s in range(received_pe.shape[0]):
        pe = pe + received_pe[s]
    if kick:
        for i in range(n):
            for d in range(3):
                v[i, d] = v[i, d] + HDT * force[i, d]
    ke = 0.0
    for i in range(n):
        ke = ke + 0.5 * MASS * (v[i, 0] * v[i, 0] + v[i, 1] * v[i, 1] + v[i, 2] * v[i, 2])
    return ke, pe


@njit(types.void(_rw2, _rw2, _ro2), **KERNEL_OPTIONS)
def kick_drift(x, v, force):
    """First half kick and drift of a velocity Verlet step."""
    for i in range(x.shape[0]):
        for d in range(3):
            v[i, d] = v[i, d] + HDT * force[i, d]
            x[i, d] = x[i, d] + DT * v[i, d]


@njit(types.int64[:](_rw2, types.int64[:], types.float64, types.int64[:], _ro1), **KERNEL_OPTIONS)
def destinations(x, cell, side, cells, box):
    """The neighbour code ((dx+1)*9 + (dy+1)*3 + dz+1; STAY for none) of the cell each
    particle now lies in, with the positions of particles crossing the periodic
    boundary moved by a box length; -1 for a particle more than one cell away."""
    n = x.shape[0]
    codes = np.empty(n, dtype=np.int64)
    for i in range(n):
        code = 0
        for d in range(3):
            t = int(math.floor(x[i, d] / side))
            o = t - cell[d]
            if o < -1 or o > 1:
                code = -1
                break
            code = code * 3 + (o + 1)
        codes[i] = code
        if code < 0:
            continue
        for d in range(3):
            t = int(math.floor(x[i, d] / side))
            if t == cells[d]:
                x[i, d] = x[i, d] - box[d]
            elif t == -1:
                x[i, d] = x[i, d] + box[d]
    return codes


# --- the chares -----------------------------------------------------------------------

class Cell(Chare):
    """A cell of the box: owns its particles, sends their positions to the 27 computes
    that involve it, adds their forces in slot order, integrates and hands particles
    that left to its neighbours."""

    def __init__(self, setup, reports):
        self.setup = setup
        self.reports = reports          # evaluation -> Future of the gathered energies
        self.ids, self.x, self.v = initial_particles(setup, self.thisIndex)
        self.force = np.zeros_like(self.x)
        self.received = np.zeros((NUM_SLOTS, len(self.ids), 3))
        self.received_pe = np.zeros(NUM_SLOTS)
        self.arrived = 0
        self.evaluation = 0
        self.targets = []               # (compute proxy, role) in slot order
        self.neighbours = []            # (code, proxy) of the 26 neighbour cells
        self.leaving = None             # this cell's particles after sorting out (or None)
        self.incoming = []              # particles received from neighbours this migration

    def start(self, computes):
        """Connects to the computes and sends the initial positions (evaluation 0)."""
        setup = self.setup
        for index, role in setup.slots(self.thisIndex):
            self.targets.append((computes[index], role))
        code = 0
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for dz in (-1, 0, 1):
                    if code != STAY:
                        cell, _ = setup.wrap(self.thisIndex, (dx, dy, dz))
                        self.neighbours.append((code, self.thisProxy[cell]))
                    code += 1
        self.send_positions()

    def run(self):
        """Starts the time steps after evaluation 0."""
        self.step()

    def send_positions(self):
        """Starts the next evaluation: the positions to the 27 computes, in slot order."""
        x = self.x
        for compute, role in self.targets:
            compute.positions(role, x)

    def forces(self, slot, force, pe):
        """The forces (and, from a compute owned by this cell, the potential energy) of
        compute `slot` for the current evaluation."""
        self.received[slot, :len(force)] = force
        self.received_pe[slot] = pe
        self.arrived += 1
        if self.arrived == NUM_SLOTS:
            self.arrived = 0
            self.evaluated()

    def evaluated(self):
        """All 27 computes have reported: completes the evaluation and goes on."""
        n = len(self.ids)
        e = self.evaluation
        ke, pe = finish_evaluation(self.received, self.received_pe, self.force, self.v, e > 0)
        report = self.reports.get(e)
        if report is not None:
            self.contribute([ke, pe, n], Reducer.gather, report)
        if 0 < e < self.setup.steps:
            self.step()

    def step(self):
        """Time step evaluation+1: kick, drift, then migration and AtSync when due."""
        setup = self.setup
        self.evaluation += 1
        s = self.evaluation
        kick_drift(self.x, self.v, self.force)
        if setup.migrate_every > 0 and s % setup.migrate_every == 0:
            self.send_leavers()
        else:
            self.after_migration()

    def send_leavers(self):
        """Sends every neighbour the particles now in its volume (maybe none)."""
        setup = self.setup
        codes = destinations(self.x, np.array(self.thisIndex, dtype=np.int64), setup.side,
                             np.array(setup.cells, dtype=np.int64), np.array(setup.box))
        if (codes < 0).any():
            raise RuntimeError('cell %s: a particle moved more than one cell in %d steps'
                               % (self.thisIndex, setup.migrate_every))
        rows = np.empty((len(self.ids), ROW))
        rows[:, 0] = self.ids
        rows[:, 1:4] = self.x
        rows[:, 4:7] = self.v
        for code, neighbour in self.neighbours:
            neighbour.particles(self.evaluation, rows[codes == code])
        self.leaving = rows[codes == STAY]
        self.merge_if_complete()

    def particles(self, step, rows):
        """Particles that moved into this cell after step `step` (from one neighbour;
        it may be a step ahead of this cell)."""
        if step not in (self.evaluation, self.evaluation + 1):
            raise RuntimeError('cell %s at step %d got particles of step %d'
                               % (self.thisIndex, self.evaluation, step))
        self.incoming.append(rows)
        self.merge_if_complete()

    def merge_if_complete(self):
        """Once this cell has sorted out its particles and all 26 neighbours' have
        come: keeps those that stayed and those that came, sorted by id."""
        if self.leaving is None or len(self.incoming) < len(self.neighbours):
            return
        rows = np.concatenate([self.leaving] + self.incoming)
        rows = rows[np.argsort(rows[:, 0], kind='stable')]
        self.leaving = None
        self.incoming = []
        self.ids = rows[:, 0].astype(np.int64)
        self.x = np.ascontiguousarray(rows[:, 1:4])
        self.v = np.ascontiguousarray(rows[:, 4:7])
        n = len(self.ids)
        self.force = np.zeros((n, 3))
        if n > self.received.shape[1]:
            self.received = np.zeros((NUM_SLOTS, n + n // 4, 3))
        self.after_migration()

    def after_migration(self):
        """Ends the step: AtSync when due (the positions go out after the balancing),
        else the positions go out now."""
        k = self.setup.lb_period
        if k > 0 and self.evaluation % k == 0:
            self.AtSync()
        else:
            self.send_positions()

    def resumeFromSync(self):
        """After a balancing step, maybe on another PE: the step goes on."""
        self.send_positions()


class Compute(Chare):
    """The interactions between two neighbouring cells (or within one cell): gets both
    cells' positions, computes the forces and returns each cell its share."""

    def __init__(self, setup, cells):
        self.setup = setup
        cell = self.thisIndex[:3]
        k = self.thisIndex[3]
        other, shift = setup.wrap(cell, OFFSETS[k])
        self.pairs_itself = k == 0
        self.shift = np.array(shift)
        self.cell_a = cells[cell]
        self.cell_b = cells[other]
        self.slot_a = setup.slots(cell).index((self.thisIndex, 0))
        self.slot_b = setup.slots(other).index((self.thisIndex, 1)) if k else -1
        self.rc2 = setup.cutoff * setup.cutoff
        self.ecut = setup.ecut
        self.xa = None
        self.xb = None
        self.fa = np.zeros((0, 3))
        self.fb = np.zeros((0, 3))
        self.evaluation = 0

    def positions(self, role, x):
        """Positions of cell A (role 0) or B (role 1) for the next evaluation."""
        if role == 0:
            self.xa = x
        else:
            self.xb = x
        if self.xa is None or (self.xb is None and not self.pairs_itself):
            return
        xa, xb = self.xa, self.xb
        self.xa = self.xb = None
        if self.fa.shape[0] != xa.shape[0]:
            self.fa = np.empty_like(xa)
        if self.pairs_itself:
            pe = self_forces(xa, self.rc2, self.ecut, self.fa)
            self.cell_a.forces(self.slot_a, self.fa, pe)
        else:
            if self.fb.shape[0] != xb.shape[0]:
                self.fb = np.empty_like(xb)
            pe = pair_forces(xa, xb, self.shift, self.rc2, self.ecut, self.fa, self.fb)
            self.cell_a.forces(self.slot_a, self.fa, pe)
            self.cell_b.forces(self.slot_b, self.fb, 0.0)
        self.evaluation += 1
        k = self.setup.lb_period
        if k > 0 and self.evaluation % k == 0 and self.evaluation <= self.setup.steps:
            self.AtSync()


# --- the main program -------------------------------------------------------------------

def parse_options(args):
    """The options of README.md from the program's arguments."""
    values = {'cells': [3, 3, 3], 'particles': 100, 'steps': 100, 'migrate-every': 10,
              'lb-period': 0, 'print-every': 10}
    i = 0
    while i < len(args):
        name = args[i][2:] if args[i].startswith('--') else None
        if name not in values:
            raise SystemExit('leanmd: unknown option %r (see apps/leanmd/README.md)' % args[i])
        if name == 'cells':
            given = []
            while i + 1 < len(args) and args[i + 1].isdigit() and len(given) < 3:
                given.append(int(args[i + 1]))
                i += 1
            if len(given) not in (1, 3):
                raise SystemExit('leanmd: --cells takes N or X Y Z')
            values['cells'] = given * 3 if len(given) == 1 else given
        else:
            if i + 1 == len(args) or not args[i + 1].isdigit():
                raise SystemExit('leanmd: --%s takes a non-negative integer' % name)
            values[name] = int(args[i + 1])
            i += 1
        i += 1
    if min(values['cells']) < 3 or values['particles'] < 1 or values['steps'] < 1:
        raise SystemExit('leanmd: needs at least 3 cells per dimension, 1 particle, 1 step')
    return Setup(values['cells'], values['particles'], values['steps'], values['migrate-every'],
                 values['lb-period'], values['print-every'])


def balancer_name(setup):
    """The balancer in use, for the output: the +balancer strategy (the runtime's
    default without one), or 'off'."""
    flags = _charmpy.runtime_flags()
    if setup.lb_period == 0 or 'LBOff' in flags:
        return 'off'
    return flags.get('balancer', 'GreedyRefineLB')


def energies(gathered):
    """(kinetic, potential, particles) of the whole box from the cells' values, added in
    cell order."""
    ke = pe = 0.0
    count = 0
    for cell_ke, cell_pe, n in gathered:
        ke = ke + cell_ke
        pe = pe + cell_pe
        count += int(n)
    return ke, pe, count


def main(args):
    """Creates the cells and computes, runs evaluation 0 and the steps, and prints the
    energies and the time per step."""
    setup = parse_options(args[1:])
    lb = balancer_name(setup)
    X, Y, Z = setup.cells
    print('LeanMD (charmpy) on %d PEs: %d x %d x %d cells, %d particles per cell, %d steps, '
          'migration every %d, AtSync every %d (lb %s)'
          % (charm.numPes(), X, Y, Z, setup.particles, setup.steps, setup.migrate_every,
             setup.lb_period, lb))
    print('cell side = cutoff = %g, box %g x %g x %g, dt %g' % ((setup.side,) + setup.box + (DT,)))
    reports = {e: Future() for e in setup.report_steps()}
    created = time.perf_counter()
    cells = Array(Cell, setup.cells, args=[setup, reports], useAtSync=True)
    computes = Array(Compute, setup.cells + (NUM_OFFSETS,), args=[setup, cells], useAtSync=True)
    charm.awaitCreation(cells, computes)
    cells.start(computes)
    results = {}
    for e in sorted(reports):
        ke, pe, count = results[e] = energies(reports[e].get())
        if e == 0:
            started = time.perf_counter()
            print('set-up and evaluation 0: %.3f s' % (started - created))
            cells.run()
        print('step %d: energy %.12g (kinetic %.12g, potential %.12g), %d particles'
              % (e, ke + pe, ke, pe, count))
    ended = time.perf_counter()
    ms_per_step = (ended - started) * 1000.0 / setup.steps
    initial = results[0][0] + results[0][1]
    final = results[setup.steps][0] + results[setup.steps][1]
    print('%d steps in %.3f s: %.3f ms per step; energy drift %.3g (relative)'
          % (setup.steps, ended - started, ms_per_step, (final - initial) / abs(initial)))
    print(json.dumps({'bench': 'leanmd', 'flavour': 'charmpy', 'pes': charm.numPes(),
                      'cells': list(setup.cells), 'particles_per_cell': setup.particles,
                      'particles': results[setup.steps][2], 'steps': setup.steps,
                      'migrate_every': setup.migrate_every, 'lb_period': setup.lb_period,
                      'lb': lb, 'ms_per_step': round(ms_per_step, 4),
                      'initial_energy': initial, 'energy': final}))
    charm.exit()


charm.start(main)
