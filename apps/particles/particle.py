# Particles in charmpy: a 2D particle simulation with dynamic load balancing, shaped
# like charm4py's examples/particle (a charm4py program must run unchanged, so this
# one uses only charm4py's API). A periodic box is cut into a 2D array of cells
# (chares, useAtSync=True); particles start crowded in the cells near the centre,
# move randomly, and those that leave a cell go to the neighbouring cell that now
# holds them. Every --lb-period iterations the cells call AtSync() and the
# +balancer strategy moves them between PEs; the crowded cells make the imbalance.
#
# Two shapes of the same simulation (--style):
#   channels  each cell is one coroutine loop: a Channel per neighbour, charm.iwait
#             over them; AtSync() ends the coroutine, resumeFromSync() starts it again
#             (charm4py's current example);
#   when      message driven: the neighbours' particles arrive as calls of an entry
#             method guarded by @when("self.iteration == iteration") (charm4py's
#             earlier example).
# Each cell draws its moves from its own random stream and adds the arriving particles
# in neighbour order, so the positions do not depend on the number of PEs, on message
# order or on migrations: every run of a problem prints the same checksum. The total
# particle count is checked at every report (it is conserved), and the last line is
# JSON for tests/apps/compare_runs.py.
#
#   mpirun -n 4 charmpy-run particle.py [--cells 8 4] [--particles 10000] [--iterations 100]
#          [--lb-period 20] [--style channels|when] [--kernel numpy|python] +balancer GreedyRefineLB
import argparse
import json
import math
import sys
import time

import numpy as np

from charm4py import charm, Chare, Array, Channel, Future, Reducer, coro, when

BOX = 100.0         # side of the periodic square box
STEP = 0.1          # a move is uniform in +-STEP * cell side, per coordinate
CROWD_RADIUS = 0.2  # cells whose centre is within CROWD_RADIUS * BOX of the box centre start full
FIXED_POINT = 1e6   # positions enter the checksum as integers of 1e-6


def parse(argv):
    p = argparse.ArgumentParser(prog='particle.py', description=__doc__)
    p.add_argument('--cells', type=int, nargs=2, default=[8, 4], metavar=('X', 'Y'))
    p.add_argument('--particles', type=int, default=10000,
                   help='particles in each starting (central) cell')
    p.add_argument('--iterations', type=int, default=100)
    p.add_argument('--lb-period', type=int, default=20,
                   help='AtSync every this many iterations (0: never)')
    p.add_argument('--print-every', type=int, default=10)
    p.add_argument('--style', choices=('channels', 'when'), default='channels')
    p.add_argument('--kernel', choices=('numpy', 'python'), default='numpy',
                   help='python: move the particles one by one in Python (the load of '
                        "charm4py's example), same results")
    p.add_argument('--seed', type=int, default=1)
    args = p.parse_args(argv)
    if min(args.cells) < 1 or args.particles < 0 or args.iterations < 1:
        p.error('--cells must be positive, --particles >= 0, --iterations >= 1')
    return args


class Setup:
    """The problem, the same on every PE (a constructor argument of every cell)."""

    def __init__(self, args):
        self.dims = tuple(args.cells)
        self.side = (BOX / self.dims[0], BOX / self.dims[1])
        self.particles = args.particles
        self.iterations = args.iterations
        self.lb_period = args.lb_period
        self.print_every = args.print_every
        self.kernel = args.kernel
        self.style = args.style
        self.seed = args.seed

    def starts_full(self, index):
        cx = (index[0] + 0.5) * self.side[0] - BOX / 2
        cy = (index[1] + 0.5) * self.side[1] - BOX / 2
        return math.hypot(cx, cy) <= CROWD_RADIUS * BOX

    def neighbours(self, index):
        """The other cells around `index` (periodic), in index order."""
        x, y = index
        nx, ny = self.dims
        around = {((x + dx) % nx, (y + dy) % ny) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
        around.discard(tuple(index))
        return sorted(around)

    def syncs_after(self, iteration):
        """Whether the cells call AtSync after `iteration` (0-based)."""
        done = iteration + 1
        return self.lb_period > 0 and done % self.lb_period == 0 and done < self.iterations


def move_numpy(x, y, dx, dy):
    x += dx
    y += dy
    x[x >= BOX] -= BOX
    x[x < 0] += BOX
    y[y >= BOX] -= BOX
    y[y < 0] += BOX


def move_python(x, y, dx, dy):
    # The same arithmetic as move_numpy, one particle at a time (Python's load).
    xs, ys = x.tolist(), y.tolist()
    for i in range(len(xs)):
        px = xs[i] + dx[i]
        if px >= BOX:
            px -= BOX
        elif px < 0:
            px += BOX
        py = ys[i] + dy[i]
        if py >= BOX:
            py -= BOX
        elif py < 0:
            py += BOX
        xs[i], ys[i] = px, py
    x[:] = xs
    y[:] = ys


class Cell(Chare):
    """One cell of the box and the particles inside it (positions in two arrays)."""

    def __init__(self, setup, done):
        self.setup = setup
        self.done = done
        # The iteration in progress, or the last one finished: it advances only when
        # the cell starts the next one (begin_iteration), so the neighbours' calls
        # for that one wait (@when) until then, also across AtSync, whatever arrives
        # first at this cell: their calls or its own resumeFromSync.
        self.iteration = -1
        self.rng = np.random.default_rng([setup.seed, self.thisIndex[0], self.thisIndex[1]])
        n = setup.particles if setup.starts_full(self.thisIndex) else 0
        lo = [self.thisIndex[d] * setup.side[d] for d in (0, 1)]
        # Strictly inside the cell, so no particle starts on a boundary.
        self.x = lo[0] + self.rng.uniform(0.001, setup.side[0] - 0.001, n)
        self.y = lo[1] + self.rng.uniform(0.001, setup.side[1] - 0.001, n)
        self.nbs = setup.neighbours(self.thisIndex)
        self.channels = [Channel(self, remote=self.thisProxy[nb]) for nb in self.nbs]
        self.arrived = {}   # 'when' style: neighbour -> its particles for this iteration

    def getNumParticles(self):
        return len(self.x)

    def begin_iteration(self):
        """Starts the next iteration: moves every particle, keeps those still inside,
        returns {neighbour: (2, k) array of the particles that went there}."""
        self.iteration += 1
        s = self.setup
        n = len(self.x)
        dx = self.rng.uniform(-STEP * s.side[0], STEP * s.side[0], n)
        dy = self.rng.uniform(-STEP * s.side[1], STEP * s.side[1], n)
        (move_python if s.kernel == 'python' else move_numpy)(self.x, self.y, dx, dy)
        cx = np.minimum((self.x / s.side[0]).astype(np.int64), s.dims[0] - 1)
        cy = np.minimum((self.y / s.side[1]).astype(np.int64), s.dims[1] - 1)
        stay = (cx == self.thisIndex[0]) & (cy == self.thisIndex[1])
        outgoing = {}
        for nb in self.nbs:
            going = (cx == nb[0]) & (cy == nb[1])
            outgoing[nb] = np.stack((self.x[going], self.y[going]))
        self.x, self.y = self.x[stay], self.y[stay]
        return outgoing

    def add(self, arrivals):
        """Appends the particles from each neighbour, in neighbour order."""
        self.x = np.concatenate([self.x] + [arrivals[nb][0] for nb in self.nbs])
        self.y = np.concatenate([self.y] + [arrivals[nb][1] for nb in self.nbs])

    def totals(self):
        """[particles, checksum of x, checksum of y] of this cell (integers: exact sums)."""
        return [len(self.x), int(np.rint(self.x * FIXED_POINT).sum()),
                int(np.rint(self.y * FIXED_POINT).sum())]

    def end_of_iteration(self):
        """Reports, and says whether to go on now (False: AtSync, or the end)."""
        s = self.setup
        completed = self.iteration + 1
        if s.print_every > 0 and completed % s.print_every == 0 and completed < s.iterations:
            # Summed over the cells: [iterations done * cells, particles]. (The last
            # iteration's totals go to main with the checksum instead.)
            self.reduce(self.thisProxy[(0, 0)].report, [completed, len(self.x)], Reducer.sum)
        if completed == s.iterations:
            self.reduce(self.done, self.totals(), Reducer.sum)
            return False
        if s.syncs_after(self.iteration):
            self.AtSync()
            return False
        return True

    # --- channels style: one coroutine loop per cell ---------------------------------
    @coro
    def run(self):
        while self.iteration + 1 < self.setup.iterations:
            outgoing = self.begin_iteration()
            for nb, ch in zip(self.nbs, self.channels):
                ch.send(outgoing[nb])
            arrivals = {}
            for ch in charm.iwait(self.channels):
                arrivals[self.nbs[self.channels.index(ch)]] = ch.recv()
            self.add(arrivals)
            if not self.end_of_iteration():
                return  # AtSync (the coroutine must end for the cell to move) or done

    # --- when style: the neighbours' particles are calls of receive() ----------------
    def step(self):
        outgoing = self.begin_iteration()
        for nb in self.nbs:
            self.thisProxy[nb].receive(self.iteration, self.thisIndex, outgoing[nb])

    @when('self.iteration == iteration')
    def receive(self, iteration, sender, particles):
        self.arrived[sender] = particles
        if len(self.arrived) == len(self.nbs):
            arrivals, self.arrived = self.arrived, {}
            self.add(arrivals)
            if self.end_of_iteration():
                self.step()

    def resumeFromSync(self):
        if self.setup.style == 'when':
            self.step()
        else:
            self.thisProxy[self.thisIndex].run()

    def report(self, sums):
        cells = self.setup.dims[0] * self.setup.dims[1]
        iteration, particles = sums[0] // cells, sums[1]
        expected = START['particles']
        if particles != expected:
            raise RuntimeError('iteration %d: %d particles, expected %d (not conserved)'
                               % (iteration, particles, expected))
        print('iteration %d: %d particles, %.3f s' % (iteration, particles, time.time() - START['time']))


START = {}   # on every PE (cell (0, 0) reports wherever it is): the initial count and start time


def main(argv):
    args = parse(argv[1:])
    setup = Setup(args)
    balancer = _balancer_name()
    print('Particles (charmpy) on %d PEs: %d x %d cells, %d particles per starting cell, '
          '%d iterations, AtSync every %s, style %s, kernel %s, balancer %s'
          % (charm.numPes(), setup.dims[0], setup.dims[1], setup.particles, setup.iterations,
             setup.lb_period or 'never', args.style, args.kernel, balancer))
    done = Future()
    created = time.time()
    cells = Array(Cell, setup.dims, args=[setup, done], useAtSync=True)
    counts = cells.getNumParticles(ret=True).get()
    total = sum(counts)
    print('%d particles; per cell: min %d, max %d' % (total, min(counts), max(counts)))
    started = time.time()
    charm.thisProxy.updateGlobals({'START': {'particles': total, 'time': started}},
                                  awaitable=True).get()
    if args.style == 'channels':
        cells.run()
    else:
        cells.step()
    # a sum of int lists is an int64 NumPy array (charm4py's type): exact Python ints here
    particles, check_x, check_y = (int(v) for v in done.get())
    elapsed = time.time() - started
    if particles != total:
        print('ERROR: %d particles at the end, %d at the start' % (particles, total))
        charm.exit(1)
    print('%d iterations in %.3f s: %.2f ms per iteration (set-up %.3f s)'
          % (setup.iterations, elapsed, 1e3 * elapsed / setup.iterations, started - created))
    print(json.dumps({'bench': 'particles', 'pes': charm.numPes(), 'style': args.style,
                      'kernel': args.kernel, 'lb': balancer, 'particles': particles,
                      'checksum': (check_x * 1000003 + check_y) % (1 << 61),
                      'seconds': round(elapsed, 4),
                      'ms_per_iteration': round(1e3 * elapsed / setup.iterations, 3)}))
    charm.exit(0)


def _balancer_name():
    try:
        import _charmpy  # charmpy's runtime flags (+balancer is not in sys.argv)
    except ImportError:
        return 'unknown'
    flags = _charmpy.runtime_flags()
    return 'off' if 'LBOff' in flags else flags.get('balancer', 'default')


charm.start(main)
