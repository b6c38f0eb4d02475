"""Microbenchmark of kernels.step in one process (no messages): the blocks one PE
holds at --grid 192 on 2 PEs, each stepped once per repetition, as the flavours
call it. Prints the median time per repetition and per block.

    python3 apps/stencil3d/bench_kernels.py [--reps 60] [--only cubes48,cubes96,slab]
        [--against OTHER_KERNELS.py] [--cold] [--own-grids]

With --against, the other kernels module (e.g. a copy of an earlier kernels.py)
runs alternately with this one on the same blocks, repetition by repetition, so
both see the same machine load (a shared machine is noisy) and the same caches;
the ratio of the medians is printed. Times are the thread's CPU time
(time.thread_time), so that time slices given to other processes do not count.

Configurations: cubes48 (4x4x4 blocks: 32 blocks of 48^3, each with six faces
received and four to pack), cubes96 (2x2x2: 4 blocks of 96^3, likewise), slab
(the mpi4py flavour: one 96x192x192 block, x faces received straight into its
ghost planes, no y or z neighbours, four faces packed); hot48 (one block of
48^3 with six faces: it stays in cache, so this shows the cost of the
instructions without the memory's).

The blocks of several per PE (cubes48, cubes96) step as the charmpy flavour's do:
each into the PE's spare grid, which the block before gave back (stencil3d.py,
Block.compute); with --own-grids, each into a second grid of its own, as before.
The slab and hot48 use their own two grids (the mpi4py flavour's way).
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SPARE = {}          # grid shape -> the spare grid of the blocks that share one
OWN_GRIDS = False   # --own-grids


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # Numba's cache finds the module by its name
    spec.loader.exec_module(module)
    module.warm_up()
    return module


def setup(k, config):
    """The blocks of `config`: a list of [u, v, received, send]; v is None for
    blocks that share a spare grid (SPARE)."""
    rng = np.random.default_rng(1)
    if config == 'slab':
        count, shape, faces = 1, (96, 192, 192), False
    elif config == 'hot48':
        count, shape, faces = 1, (48, 48, 48), True
    elif config == 'cubes96':
        count, shape, faces = 4, (96, 96, 96), True
    else:
        count, shape, faces = 32, (48, 48, 48), True
    blocks = []
    for _ in range(count):
        u, v = k.new_grids([s + 2 for s in shape])
        u[1:-1, 1:-1, 1:-1] = rng.random(shape)
        if faces:
            received = (rng.random(u[0].shape), rng.random(u[0].shape)) + tuple(
                rng.random(k.face_shape(shape, f)) for f in range(2, 6))
        else:
            received = k.no_faces()
        send = tuple(np.empty(k.face_shape(shape, f)) for f in range(2, 6))
        if count > 1 and not OWN_GRIDS:
            SPARE[u.shape], v = v, None
        blocks.append([u, v, received, send])
    return blocks


def run(k, blocks, cold):
    """Steps each block once; returns the seconds in kernels.step. Unless `cold`,
    each block's faces are first rewritten (not timed), as in the flavours: the
    faces received were just written by the message's arrival, and the faces to
    pack are new arrays in memory just freed (both then in cache)."""
    seconds = 0.0
    for b in blocks:
        if not cold:
            for face in b[2] + b[3]:
                face[...] = 0.5
        if b[1] is None:    # the spare grid, as the charmpy flavour
            u = b[0]
            new = SPARE[u.shape]
            began = time.thread_time()
            k.step_faces(u, new, *b[2], 0, 0, b[3], True)
            seconds += time.thread_time() - began
            SPARE[u.shape], b[0] = u, new
        else:
            step_faces = getattr(k, 'step_faces', None)   # an older kernels.py may lack it
            began = time.thread_time()
            if step_faces:
                step_faces(b[0], b[1], *b[2], 0, 0, b[3])
            else:
                k.step(b[0], b[1], b[2], 0, 0, b[3])
            seconds += time.thread_time() - began
            b[0], b[1] = b[1], b[0]
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--reps', type=int, default=60)
    parser.add_argument('--only', default='cubes48,cubes96,slab')
    parser.add_argument('--against')
    parser.add_argument('--cold', action='store_true',
                        help='leave the faces where the last repetition left them (out of cache)')
    parser.add_argument('--own-grids', action='store_true',
                        help='blocks step into a second grid of their own, not a shared spare')
    args = parser.parse_args()
    global OWN_GRIDS
    OWN_GRIDS = args.own_grids
    mine = load(os.path.join(HERE, 'kernels.py'), 'kernels')
    modules = [('this', mine)]
    if args.against:
        modules.append(('other', load(args.against, 'kernels_other')))
    for config in args.only.split(','):
        shared = setup(mine, config)   # one set of blocks for all: two would evict each other
        setups = [(name, k, shared) for name, k in modules]
        times = {name: [] for name, _, _ in setups}
        for name, k, blocks in setups:
            run(k, blocks, args.cold)
        for rep in range(args.reps):
            for name, k, blocks in (setups if rep % 2 else setups[::-1]):
                times[name].append(run(k, blocks, args.cold))
        count = len(setups[0][2])
        medians = {name: float(np.median(t)) for name, t in times.items()}
        line = '%-8s' % config
        for name, m in medians.items():
            line += '  %s %.3f ms (%.1f us/block, min %.1f)' % (name, m * 1e3, m * 1e6 / count,
                                                                min(times[name]) * 1e6 / count)
        if args.against:
            line += '  this/other %.3f' % (medians['this'] / medians['other'])
        print(line, flush=True)


if __name__ == '__main__':
    main()
