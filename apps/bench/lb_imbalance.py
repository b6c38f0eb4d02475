"""Imbalanced workload for load balancing: an array of 8 elements per PE whose
elements homed on PE 0 do 4x the work of the others (persistent: the same every
iteration), so PE 0 holds 32 units per iteration and the others 8: with 2 PEs the
ideal speedup from balancing is 40/2 / 32 = 1/1.6, i.e. 1.6x. Each iteration is a
broadcast of `work` waited for as a whole; every K iterations the elements call
AtSync(). Run the same program with +LBOff and with +balancer GreedyLB:
    mpirun -n 2 charmpy-run +balancer GreedyLB lb_imbalance.py [--iters I] [--every K] [--unit-reps R]
It prints the time per iteration (all, and over the last K iterations), the
max/avg PE load (in work units) before and after balancing, and ends with one JSON
line {"bench": "lb-imbalance", "balancer": ..., "ms_per_iter": ..., ...}.
A charm4py program."""
import json
import sys
import time

import numpy as np
from charm4py import charm, Chare, Array, Reducer, Future

ELEMENTS_PER_PE = 8


def option(args, name, default, kind):
    return kind(args[args.index(name) + 1]) if name in args else default


class Block(Chare):

    def __init__(self, unit_reps):
        self.weight = 4 if self.thisIndex[0] < ELEMENTS_PER_PE else 1   # homed on PE 0
        self.reps = unit_reps * self.weight
        self.x = np.linspace(0.0, 1.0, 4096)

    def work(self):
        x = self.x
        for _ in range(self.reps):
            x = np.sqrt(x * x + 1.0) - 0.5   # real arithmetic the compiler cannot skip
        self.x = x

    def sync(self, f):
        self.resume = f
        self.AtSync()

    def resumeFromSync(self):
        self.contribute(None, None, self.resume)

    def where(self):
        return charm.myPe(), self.weight


def imbalance(places, n):
    loads = [0] * n
    for pe, weight in places:
        loads[pe] += weight
    return max(loads) / (sum(loads) / n), loads


def main(args):
    n = charm.numPes()
    iters = option(args, '--iters', 60, int)
    every = option(args, '--every', 10, int)
    # A unit of work is a fixed number of NumPy passes (about 1 ms here), the same
    # in every run, so runs with and without balancing do identical work.
    unit_reps = option(args, '--unit-reps', 100, int)
    flags = sys.modules['_charmpy'].runtime_flags() if '_charmpy' in sys.modules else {}
    balancer = 'off' if 'LBOff' in flags else flags.get('balancer', 'GreedyRefineLB')
    a = Array(Block, ELEMENTS_PER_PE * n, args=[unit_reps], useAtSync=True)
    charm.awaitCreation(a)
    before, loads_before = imbalance(a.where(ret=True).get(), n)
    times = []
    for it in range(iters):
        t0 = time.perf_counter()
        a.work(awaitable=True).get()
        if (it + 1) % every == 0:
            f = Future()
            a.sync(f)
            f.get()
        times.append(time.perf_counter() - t0)
    after, loads_after = imbalance(a.where(ret=True).get(), n)
    ms_all = sum(times) / len(times) * 1e3
    ms_last = sum(times[-every:]) / every * 1e3
    print('balancer %-16s %6.2f ms/iter (last %d: %6.2f), max/avg load %.2f %s -> %.2f %s'
          % (balancer, ms_all, every, ms_last, before, loads_before, after, loads_after))
    print(json.dumps({'bench': 'lb-imbalance', 'balancer': balancer, 'pes': n, 'iters': iters,
                      'every': every, 'ms_per_iter': round(ms_all, 3), 'ms_per_iter_last': round(ms_last, 3),
                      'max_avg_before': round(before, 3), 'max_avg_after': round(after, 3)}))
    sys.stdout.flush()
    charm.exit()


charm.start(main)
