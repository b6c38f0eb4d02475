"""Allreduce latency in charmpy: every element of a group (one per PE) or of an
array (8 elements per PE) calls `self.allreduce(data, Reducer.sum).get()` in a loop,
for a float and for a 1 MiB NumPy array. Run: mpirun -n 2 charmpy-run allreduce.py
[--iters-scale F]; ends with one JSON line
{"bench": "allreduce-py", "us": {"group_float": ..., "group_1MiB": ..., "array_float": ..., "array_1MiB": ...}}.
A charm4py program: runs unchanged under charm4py."""
import json
import sys
import time

import numpy as np
from charm4py import charm, Chare, Group, Array, Reducer, coro


class Member(Chare):

    @coro
    def loop(self, data, iterations):
        for _ in range(iterations):
            self.allreduce(data, Reducer.sum).get()


def time_us(collection, data, iterations):
    collection.loop(data, max(2, iterations // 10), awaitable=True).get()  # warm-up
    t0 = time.perf_counter()
    collection.loop(data, iterations, awaitable=True).get()
    return (time.perf_counter() - t0) / iterations * 1e6


def main(args):
    scale = float(args[args.index('--iters-scale') + 1]) if '--iters-scale' in args else 1.0
    n = charm.numPes()
    group = Group(Member)
    array = Array(Member, 8 * n)
    charm.awaitCreation(group, array)
    big = np.ones(1 << 17)  # 1 MiB of float64
    results = {}
    for name, coll in (('group', group), ('array', array)):
        results[name + '_float'] = time_us(coll, 1.5, max(10, int(2000 * scale)))
        results[name + '_1MiB'] = time_us(coll, big, max(5, int(100 * scale)))
    for k, v in results.items():
        print('%14s %10.1f us' % (k, v))
    print(json.dumps({'bench': 'allreduce-py', 'pes': n, 'us': results}))
    sys.stdout.flush()
    charm.exit(0)


charm.start(main)
