"""The cost of one entry-method call carrying a mid-size NumPy array, as
stencil3d's ghost exchange sends them: `neighbour.ghost(round, face, data)` with
`data` a 2-d float64 array (48x48 = 18 KB for 4x4x4 blocks of 192^3, 96x96 =
74 KB for 2x2x2).

    mpirun -n P charmpy-run faces.py [--side 48] [--elements 64] [--rounds 200]
                                     [--pattern torus|local|remote|chain]

Patterns (a 1-d array of --elements elements, block-mapped on the PEs):
  torus   each element sends one face to each of its 6 neighbours in a periodic
          cube of elements (4x4x4 for 64), as stencil3d does; on 2 PEs a third
          of the x-faces (1/6 of all) cross to the other PE
  local   the 6 neighbours are elements of the sender's own PE
  remote  the 6 neighbours are elements of the next PE
  chain   one element calls another of its PE with one face, which calls back,
          --rounds * --elements hops in a row (latency of a same-PE call)
Every round each element sends its 6 faces and waits for its 6 neighbours'
faces before the next. The sender's arrays are writable, so each call copies
its array (a call behaves as if its arguments were copied at the call); the
receiver keeps the array it got until the round ends, as stencil3d does.

Prints the time per message (elapsed time / messages received per PE) and ends
with one JSON line:
  {"bench": "faces", "pattern": ..., "side": ..., "us_per_msg": ..., "messages_per_pe": ...}
For instruction counts, run under callgrind twice with different --rounds and
divide the difference by the difference in messages."""
import json
import sys
import time

import numpy as np

from charmpy import charm, Chare, Array, Future


def cube_side(n):
    side = round(n ** (1.0 / 3))
    if side ** 3 != n:
        raise SystemExit('faces.py: --pattern torus needs a cube number of elements, not %d' % n)
    return side


def neighbours_of(i, n, pes, pattern):
    """The 6 elements that element i sends its faces to."""
    per = n // pes
    pe = i * pes // n
    if pattern == 'torus':
        s = cube_side(n)
        x, y, z = i // (s * s), (i // s) % s, i % s
        out = []
        for axis in range(3):
            for step in (-1, 1):
                c = [x, y, z]
                c[axis] = (c[axis] + step) % s
                out.append((c[0] * s + c[1]) * s + c[2])
        return out
    if pattern == 'local':
        base = pe * per
        return [base + (i - base + k) % per for k in range(1, 7)]
    if pattern == 'remote':
        base = ((pe + 1) % pes) * per
        return [base + (i % per + k) % per for k in range(6)]
    raise SystemExit('faces.py: unknown pattern %r' % pattern)


class Face(Chare):

    def __init__(self, n, side, rounds, pattern, done):
        pes = charm.numPes()
        i = self.thisIndex[0]
        self.targets = [self.thisProxy[j] for j in neighbours_of(i, n, pes, pattern)]
        self.faces = [np.full((side, side), float(i)) for _ in range(6)]
        self.rounds, self.done = rounds, done
        self.round = 0
        self.arrived = 0
        self.received = [None] * 6
        self.early = []

    def start(self):
        self.send_faces()

    def send_faces(self):
        r = self.round
        for face, target in enumerate(self.targets):
            target.ghost(r, face ^ 1, self.faces[face])

    def ghost(self, r, face, data):
        if r != self.round:
            self.early.append((face, data))
            return
        self.store(face, data)

    def store(self, face, data):
        self.received[face] = data
        self.arrived += 1
        if self.arrived < 6:
            return
        self.received = [None] * 6
        self.arrived = 0
        self.round += 1
        if self.round == self.rounds:
            self.contribute(None, None, self.done)
            return
        self.send_faces()
        early, self.early = self.early, []
        for face, data in early:
            self.store(face, data)


class Chain(Chare):
    """Two elements on one PE passing one face back and forth."""

    def __init__(self, done):
        self.done = done

    def run(self, hops, data):
        self.thisProxy[1].hop(hops, data)

    def hop(self, remaining, data):
        if remaining == 0:
            self.done.send()
        else:
            self.thisProxy[1 - self.thisIndex[0]].hop(remaining - 1, data)


def main(args):
    opts = {'--side': 48, '--elements': 64, '--rounds': 200, '--pattern': 'torus'}
    for k in opts:
        if k in args:
            opts[k] = type(opts[k])(args[args.index(k) + 1])
    side, n, rounds, pattern = opts['--side'], opts['--elements'], opts['--rounds'], opts['--pattern']
    pes = charm.numPes()
    if pattern == 'chain':
        done = Future()
        chain = Array(Chain, 2 * pes, args=[done])   # elements 0 and 1 are both on PE 0
        charm.awaitCreation(chain)
        hops = rounds * n
        data = np.ones((side, side))
        t0 = time.perf_counter()
        chain[0].run(hops, data)
        done.get()
        elapsed = time.perf_counter() - t0
        per_pe = hops
    else:
        if n % pes or n // pes < 7 and pattern == 'local':
            raise SystemExit('faces.py: --elements must be a multiple of the PEs (and >= 7 per PE for local)')
        done = Future()
        faces = Array(Face, n, args=[n, side, rounds, pattern, done])
        charm.awaitCreation(faces)
        t0 = time.perf_counter()
        faces.start()
        done.get()
        elapsed = time.perf_counter() - t0
        per_pe = 6 * rounds * n // pes
    us = elapsed / per_pe * 1e6
    print('faces %s %dx%d (%d KB), %d PEs: %.3f us per message (%d messages per PE, %.3f s)'
          % (pattern, side, side, side * side * 8 // 1024, pes, us, per_pe, elapsed))
    print(json.dumps({'bench': 'faces', 'pattern': pattern, 'side': side, 'pes': pes,
                      'us_per_msg': us, 'messages_per_pe': per_pe}))
    sys.stdout.flush()
    charm.exit(0)


charm.start(main)
