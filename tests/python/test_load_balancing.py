# Load balancing with AtSync on a synthetic imbalance: the elements homed on PE 0
# do 4x the work of the others; after a few iterations every element calls
# AtSync(), the strategy given with +balancer runs on the measured loads, and
# resumeFromSync() follows on every element. Run with `--expect KIND`:
#   balance  (GreedyLB, RefineLB, GreedyRefineLB): the max/avg PE load drops
#   rotate   (RotateLB): every element moved to the next PE
#   none     (DummyLB or +LBOff): nothing moved
# Also: state and messages survive the step, resumeFromSync runs once per element
# per step, a second step works, and the loads measured are the work done.
import sys

import _charmpy
from charmpy import charm, Chare, Group, Array, Reducer, Future

from busy import spin
from cases import case, run_cases

ELEMENTS_PER_PE = 4
UNIT = 0.01  # seconds of work for a light element per iteration (well above scheduling noise)


class Worker(Chare):

    def __init__(self):
        i = self.thisIndex[0]
        self.weight = 4 if i < ELEMENTS_PER_PE else 1   # homed on PE 0 (block map)
        self.done = 0
        self.resumed = 0
        self.history = [i]

    def work(self):
        spin(UNIT * self.weight)
        self.done += 1
        size = self.thisProxy.dims[0]
        self.thisProxy[(self.thisIndex[0] + 1) % size].noop()   # communication the balancer sees

    def noop(self):
        pass

    def sync(self, f):
        self.resume_future = f
        self.AtSync()

    def resumeFromSync(self):
        self.resumed += 1
        self.contribute(1, Reducer.sum, self.resume_future)

    def where(self):
        return (charm.myPe(), self.weight, self.done, self.resumed, self.history == [self.thisIndex[0]])


class Probe(Chare):
    def instrumenting(self):
        return _charmpy.lb_instrument(None)


def pe_loads(places, n):
    loads = [0.0] * n
    for pe, weight, _, _, _ in places:
        loads[pe] += weight
    return loads


def imbalance(loads):
    return max(loads) / (sum(loads) / len(loads))


# Where the elements were before the first step and after each step (each a list of
# where() results): the first case runs the steps, the second judges the moves.
placements = []


@case
def at_sync_steps_resume_every_element_once_and_keep_state(a, expect):
    n = charm.numPes()
    size = ELEMENTS_PER_PE * n
    placements.append(a.where(ret=True).get())
    for step in range(2):
        for _ in range(3):
            a.work(awaitable=True).get()
        f = Future()
        a.sync(f)
        assert f.get() == size, 'resumeFromSync once per element'
        after = a.where(ret=True).get()
        assert all(ok for *_, ok in after), 'state lost'
        assert [d for _, _, d, _, _ in after] == [3 * (step + 1)] * size
        assert [r for _, _, _, r, _ in after] == [step + 1] * size
        placements.append(after)


@case
def strategy_moves_elements_as_expected(a, expect):
    """--expect balance: the max/avg PE load drops in the first step; rotate: every
    element moves to the next PE; none: nothing moves."""
    n = charm.numPes()
    assert len(placements) == 3, 'the steps did not run'
    for step in range(2):
        before, after = placements[step], placements[step + 1]
        moved = sum(1 for b, c in zip(before, after) if b[0] != c[0])
        if n > 1:
            if expect == 'balance':
                if step == 0:
                    assert imbalance(pe_loads(after, n)) < imbalance(pe_loads(before, n)), \
                        (pe_loads(before, n), pe_loads(after, n))
            elif expect == 'rotate':
                assert all(c[0] == (b[0] + 1) % n for b, c in zip(before, after)), (before, after)
            elif expect == 'none':
                assert moved == 0, moved
            else:
                raise ValueError('unknown --expect ' + expect)
    # a ctest greps this line (with the exit code 0 that all cases passing gives)
    print('load balancing (%s) ok on %d PEs: PE loads now %s' % (expect, n, pe_loads(placements[-1], n)))


@case
def load_measurement_turns_off_and_on_everywhere(a, expect):
    n = charm.numPes()
    probes = Group(Probe)
    charm.awaitCreation(probes)
    assert probes.instrumenting(ret=True).get() == [True] * n
    charm.LBTurnInstrumentOff()
    charm.waitQD()
    assert probes.instrumenting(ret=True).get() == [False] * n
    charm.LBTurnInstrumentOn()
    charm.waitQD()
    assert probes.instrumenting(ret=True).get() == [True] * n


def main(args):
    # Without +balancer, AtSync runs the default strategy (GreedyRefineLB).
    expect = args[args.index('--expect') + 1] if '--expect' in args else 'balance'
    size = ELEMENTS_PER_PE * charm.numPes()
    a = Array(Worker, size, useAtSync=True)
    charm.awaitCreation(a)
    run_cases(a, expect)


charm.start(main)
