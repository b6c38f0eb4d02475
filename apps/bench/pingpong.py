"""Python ping-pong between two group elements on PEs 0 and 1, and a same-PE
entry-method chain. Run: mpirun -n 2 charmpy-run pingpong.py [--iters-scale F]
Prints a table and ends with one JSON line:
  {"bench": "pingpong-py", "one_way_us": {"int": ..., "8": ..., "1024": ..., "1048576": ...},
   "same_pe_msgs_per_s": ...}
It is a plain charm4py program: it runs unchanged under charm4py too."""
import json
import sys
import time

import numpy as np
from charm4py import charm, Chare, Group, Future


class PingPong(Chare):

    def __init__(self):
        self.remaining = 0
        self.done = None

    def start(self, iterations, done):
        self.remaining = iterations
        self.done = done

    def ping(self, payload):
        if self.thisIndex == 0:
            self.remaining -= 1
            if self.remaining == 0:
                self.done.send()
                return
        self.thisProxy[1 - self.thisIndex].ping(payload)


class Chain(Chare):
    """Calls itself through its own proxy: every hop is a same-PE message."""

    def run(self, hops, done):
        self.done = done
        self.thisProxy.hop(hops)

    def hop(self, remaining):
        if remaining == 0:
            self.done.send()
        else:
            self.thisProxy.hop(remaining - 1)


def one_way_us(group, payload, iterations):
    done = Future()
    group[0].start(iterations, done, awaitable=True).get()
    t0 = time.perf_counter()
    group[1].ping(payload)
    done.get()
    return (time.perf_counter() - t0) / (2 * iterations) * 1e6


def main(args):
    scale = 1.0
    if '--iters-scale' in args:
        scale = float(args[args.index('--iters-scale') + 1])
    if charm.numPes() < 2:
        print('pingpong.py needs 2 PEs')
        charm.exit(1)
    group = Group(PingPong)
    charm.awaitCreation(group)
    cases = [('int', 1, 50000)] + [(str(8 * n), np.ones(n), iterations) for n, iterations in
                                   ((1, 50000), (8, 50000), (64, 40000), (128, 30000),
                                    (1024, 20000), (8192, 5000), (32768, 2000), (131072, 1000),
                                    (524288, 200))]
    results = {}
    print('%10s %12s' % ('payload', 'one-way us'))
    for name, payload, iterations in cases:
        iterations = max(10, int(iterations * scale))
        one_way_us(group, payload, max(5, iterations // 10))  # warm-up
        results[name] = one_way_us(group, payload, iterations)
        print('%10s %12.3f' % (name, results[name]))
    chain = Chare(Chain, onPE=0)
    hops = max(1000, int(300000 * scale))
    done = Future()
    t0 = time.perf_counter()
    chain.run(hops, done)
    done.get()
    rate = hops / (time.perf_counter() - t0)
    print('same-PE entry-method chain: %.0f messages/s' % rate)
    print(json.dumps({'bench': 'pingpong-py', 'one_way_us': results, 'same_pe_msgs_per_s': rate}))
    sys.stdout.flush()
    charm.exit(0)


charm.start(main)
