# Periodic load balancing (+LBPeriod s, here with RotateLB so every step moves
# every element): elements keep working through chains of messages to themselves
# (until they have been moved) while the balancer moves them at any time, without
# AtSync. Every message of a chain is delivered exactly once and in order, state
# travels, and every element did move. Run as
#   charmpy-run +LBPeriod 0.1 +balancer RotateLB test_periodic_lb.py
import time

import _charmpy
from charmpy import charm, Chare, Array, Reducer, Future

# Without +LBPeriod (the plain 1/2/4-PE runs) nothing moves: the chains just end.
PERIODIC = 'LBPeriod' in _charmpy.runtime_flags()

MIN_TICKS = 20
MAX_TICKS = 3000   # ~9 s: far more than a balancing period


class Ticker(Chare):

    def __init__(self, f):
        self.count = 0
        self.pes = {charm.myPe()}
        self.done = f
        self.thisProxy[self.thisIndex].tick(0)

    def tick(self, k):
        assert k == self.count, (k, self.count)   # one chain: in order, none lost or doubled
        self.count += 1
        self.pes.add(charm.myPe())
        end = time.perf_counter() + 0.003
        while time.perf_counter() < end:
            pass
        # Keep working until the balancer has moved this element (or for a while on 1 PE).
        moved = len(self.pes) > 1 or charm.numPes() == 1 or not PERIODIC
        if self.count < MIN_TICKS or (not moved and self.count < MAX_TICKS):
            self.thisProxy[self.thisIndex].tick(k + 1)
        else:
            self.contribute([self.count, len(self.pes)], Reducer.gather, self.done)


def main(args):
    n = charm.numPes()
    f = Future()
    Array(Ticker, 2 * n, args=[f])
    results = f.get()
    assert all(MIN_TICKS <= count < MAX_TICKS for count, _ in results), results
    if n > 1 and PERIODIC:
        assert all(visited > 1 for _, visited in results), 'an element never moved: %r' % results
    if not PERIODIC:
        assert all(visited == 1 for _, visited in results), 'moved without a balancer: %r' % results
    print('periodic load balancing ok on', n, 'PEs:', results)
    charm.exit()


charm.start(main)
