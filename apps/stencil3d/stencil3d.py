"""stencil3d in charmpy: a chare array of BX x BY x BZ blocks, message-driven ghost
exchange, Numba kernels, load balancing with AtSync every K iterations.

    mpirun -n 2 charmpy-run apps/stencil3d/stencil3d.py --grid 128 --blocks 2 --iters 100 \
        [--imbalance 4] [+balancer GreedyLB | +LBOff]

See README.md for the problem, the options and the JSON line it ends with.
"""
import json
import sys
import time

import numpy as np

import kernels
import params

from charmpy import charm, Chare, Array, Future, Reducer

kernels.warm_up()   # every PE compiles (or loads) the kernels before the blocks exist
kernels.keep_freed_memory_in_process()   # blocks that leave make room for those that come


_OUTGOING = {}   # face shapes (y-, y+, z-, z+) -> the arrays this PE packs them into
_SPARE = {}      # grid shape -> this PE's spare grid (see Block.compute)


def outgoing_faces(shapes):
    """The arrays the blocks of this PE with faces of `shapes` pack their y and z
    faces into, shared: a block packs them in its kernel call and sends them at
    once (each call copies them into its message), so they are free again before
    any other block packs. One set per shape, warm in cache from one block to the
    next, and no arrays made per iteration."""
    faces = _OUTGOING.get(shapes)
    if faces is None:
        faces = _OUTGOING[shapes] = tuple([np.empty(shape) for shape in shapes])
    return faces


class Block(Chare):
    """One block of the grid with its ghost layer. Each iteration: send the six
    faces, keep the neighbours' faces as they come, and once all are in, one
    kernel call (kernels.step) stores them into the ghost layer, sweeps and packs
    the faces to send next. Faces that cannot be used yet are kept aside: those of
    the next iteration (a neighbour may be one ahead), and those that come while
    this block waits in AtSync (a neighbour resumed first; this block starts that
    iteration only in resumeFromSync, sending its own faces).

    A block lets go of the faces it received right after its kernel call, so
    their memory is freed while in cache and the next faces reuse it. The faces
    it sends are copied at each call (same-PE calls too: local_msg_optim is
    off), so the x faces go as views of u and the y and z faces are packed into
    arrays the blocks of a PE share (outgoing_faces): no array is made per face."""

    def __init__(self, grid, blocks, iters, imbalance, lb_period, done):
        shape = params.split(grid, blocks, '--blocks')
        self.shape = tuple(shape)
        origin = [c * s for c, s in zip(self.thisIndex, shape)]
        self.u = kernels.new_grid([s + 2 for s in shape])
        kernels.initialise(self.u, *origin)
        self.heavy_rows = kernels.heavy_rows(grid[0], origin[0], shape[0], imbalance)
        self.extra = imbalance - 1
        self.neighbours = []          # (face, proxy of the block on that side)
        for face in range(6):
            axis, step = face // 2, (-1 if face % 2 == 0 else 1)
            index = list(self.thisIndex)
            index[axis] += step
            if 0 <= index[axis] < blocks[axis]:
                self.neighbours.append((face, self.thisProxy[tuple(index)]))
        # The shapes of the y and z faces to send (y-, y+, z-, z+).
        self.face_shapes = tuple(kernels.face_shape(self.shape, f) for f in range(2, 6))
        self.received = list(kernels.no_faces())   # the faces of this iteration, by face
        self.iters, self.lb_period, self.done = iters, lb_period, done
        self.iteration = 0
        self.arrived = 0
        self.early = []               # faces that came before this block could use them
        self.paused = False           # in AtSync, until resumeFromSync
        self.paused_faces = None      # while paused: the y and z faces to send on resuming
        self.compute_seconds = 0.0

    def start(self):
        packed = outgoing_faces(self.face_shapes)
        kernels.pack_faces(self.u, *packed)
        self.next_iteration(packed)

    def next_iteration(self, packed):
        """Sends this iteration's faces: the x faces straight from u, the y and z
        faces as packed. Each call copies its array into the message, so u and
        the packing arrays may change right after."""
        iteration, u = self.iteration, self.u
        for face, neighbour in self.neighbours:
            data = kernels.x_plane(u, face, ghost=False) if face < 2 else packed[face - 2]
            neighbour.ghost(iteration, kernels.OPPOSITE[face], data)
        if not self.neighbours:
            self.thisProxy[self.thisIndex].compute()   # a lone block: nothing to wait for
            return
        if self.early:
            early, self.early = self.early, []
            for face, data in early:
                self.store(face, data)

    def ghost(self, iteration, face, data):
        if iteration != self.iteration or self.paused:
            self.early.append((face, data))
        else:
            self.received[face] = data
            self.arrived += 1
            if self.arrived == len(self.neighbours):
                self.compute()

    def store(self, face, data):
        self.received[face] = data
        self.arrived += 1
        if self.arrived == len(self.neighbours):
            self.compute()

    def compute(self):
        # The new grid is the PE's spare, which the block computed just before
        # gave back: its old grid, just read, so still in cache. Writing into it
        # costs no read from memory, as writing into a grid of one's own, last
        # touched an iteration ago, would (a sweep of 32 blocks of 48^3: 4.7-5.1
        # -> 4.1 ms, bench_kernels.py). It holds another block's ghosts: the step
        # (recycled) clears those this block reads as 0.
        u, shape = self.u, self.u.shape
        new = _SPARE.pop(shape, None)
        if new is None:
            new = kernels.new_grid(shape)
        packed = outgoing_faces(self.face_shapes)
        began = time.perf_counter()
        kernels.step_faces(u, new, *self.received, self.heavy_rows, self.extra, packed, True)
        self.compute_seconds += time.perf_counter() - began
        # Let go of the faces received now, while they are in cache: the next
        # faces this PE makes (below, and in the next blocks to compute) reuse
        # that memory.
        self.received[:] = kernels.no_faces()
        _SPARE[shape] = u
        self.u = new
        self.iteration += 1
        self.arrived = 0
        if self.iteration == self.iters:
            self.contribute((kernels.interior_sum(self.u), charm.myPe(), self.compute_seconds),
                            Reducer.gather, self.done)
        elif self.lb_period and self.iteration % self.lb_period == 0:
            self.paused = True
            self.paused_faces = tuple([f.copy() for f in packed])   # others pack into the shared ones
            self.AtSync()
        else:
            self.next_iteration(packed)

    def __getstate__(self):
        # Migration: the faces received were all used (a block moves between
        # iterations).
        state = dict(self.__dict__)
        del state['received']
        return state

    def __setstate__(self, state):
        # u comes viewing the migration message (in huge pages, writable): the
        # block keeps it there rather than copying it into new memory.
        # Attributes are set one by one: asking for
        # self.__dict__ would make CPython 3.11 stop specialising `self.x` in
        # this block's methods.
        for name, value in state.items():
            setattr(self, name, value)
        if not self.u.flags.writeable:
            self.u = self.u.copy()
        self.received = list(kernels.no_faces())

    def resumeFromSync(self):
        packed, self.paused_faces = self.paused_faces, None
        self.paused = False
        self.next_iteration(packed)


def balancer_name(lb_period):
    flags = sys.modules['_charmpy'].runtime_flags()
    if lb_period == 0 or 'LBOff' in flags:
        return 'off'
    return flags.get('balancer', 'GreedyRefineLB')


def main(argv):
    args = params.parse(argv[1:], 'stencil3d, charmpy flavour')
    blocks = args.blocks
    params.split(args.grid, blocks, '--blocks')
    done = Future()
    grid = Array(Block, tuple(blocks), args=[args.grid, blocks, args.iters, args.imbalance,
                                             args.lb_period, done],
                 useAtSync=args.lb_period > 0)
    charm.awaitCreation(grid)
    began = time.perf_counter()
    grid.start()
    results = done.get()
    elapsed = time.perf_counter() - began
    checksum = sum(r[0] for r in results)
    busy = {}
    for _, pe, seconds in results:   # where each block ended up
        busy[pe] = busy.get(pe, 0.0) + seconds
    per_pe = [busy.get(pe, 0.0) for pe in range(charm.numPes())]
    ms_per_iter = elapsed / args.iters * 1e3
    lb = balancer_name(args.lb_period)
    print('stencil3d charmpy: %d PEs, grid %s, %d blocks, %d iterations, imbalance %d, lb %s: '
          '%.3f ms/iteration; compute per PE (final placement) max %.3f s, min %.3f s; '
          'checksum %.12g' % (charm.numPes(), 'x'.join(map(str, args.grid)), len(results),
                              args.iters, args.imbalance, lb, ms_per_iter, max(per_pe),
                              min(per_pe), checksum))
    print(json.dumps({'bench': 'stencil3d', 'flavour': 'charmpy', 'pes': charm.numPes(),
                      'grid': args.grid, 'blocks': blocks, 'iters': args.iters,
                      'imbalance': args.imbalance, 'lb': lb, 'ms_per_iter': round(ms_per_iter, 4),
                      'checksum': checksum}))
    sys.stdout.flush()
    charm.exit()


charm.start(main)
