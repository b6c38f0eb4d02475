# Migration of Python chares under a storm: every round a broadcast reaches every
# element, which pings random others (with NumPy payloads), contributes to a sum
# and a gather, allreduces from a coroutine, and moves to a random PE (moves
# requested from inside a running coroutine wait until it ends). Checks: every
# broadcast reaches every element once and in order, every ping exactly once,
# every reduction and allreduce right, state preserved (NumPy arrays, nested
# objects, a member with its own __getstate__/__setstate__, an element class with
# __getstate__), migrated() on every arrival, thisProxy/thisIndex rebuilt; a
# single chare moves too; non-migratable elements and group elements refuse. A
# chare's large arrays arrive without a copy: they view the migration message,
# aligned and writable, and move on from there unchanged.
import random

import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases

ROUNDS = 10
PINGS = 3


class Secret:
    """Pickles only part of itself: __setstate__ must run on the new PE."""

    def __init__(self, value):
        self.value = value
        self.cache = 'not pickled'

    def __getstate__(self):
        return {'value': self.value}

    def __setstate__(self, state):
        self.value = state['value']
        self.cache = 'rebuilt'


class Walker(Chare):

    def __init__(self, scale):
        i = self.thisIndex[0]
        self.scale = scale
        self.data = np.arange(i + 1, dtype=np.float64) * scale
        self.nested = {'index': i, 'history': [], 'secret': Secret(i * 10)}
        self.seen = []
        self.pings = 0
        self.sent = 0
        self.moves = 0
        self.arrivals = 0
        self.allreduced = []

    @coro
    def step(self, rnd, fsum, fgather):
        self.seen.append(rnd)
        rng = random.Random(rnd * 7919 + self.thisIndex[0])
        n = self.thisProxy.dims[0]
        for _ in range(PINGS):
            self.thisProxy[rng.randrange(n)].ping(np.full(3, float(self.thisIndex[0])))
            self.sent += 1
        self.contribute(self.thisIndex[0] * self.scale + rnd, Reducer.sum, fsum)
        self.contribute(self.thisIndex[0], Reducer.gather, fgather)
        to = rng.randrange(charm.numPes())
        if to != charm.myPe():
            self.moves += 1
        self.migrate(to)    # waits until this coroutine has finished
        total = self.allreduce(1, Reducer.sum).get()
        self.allreduced.append(total)
        self.nested['history'].append(rnd)

    def ping(self, payload):
        assert payload.shape == (3,)
        self.pings += 1

    def migrated(self):
        self.arrivals += 1

    def report(self, f):
        i = self.thisIndex[0]
        ok_state = (np.array_equal(self.data, np.arange(i + 1) * self.scale) and
                    self.nested['index'] == i and self.nested['history'] == list(range(ROUNDS)) and
                    self.nested['secret'].value == i * 10 and
                    self.nested['secret'].cache == ('rebuilt' if self.arrivals else 'not pickled') and
                    self.thisProxy[self.thisIndex] == self.thisProxy[i])
        n = self.thisProxy.dims[0]
        self.contribute([self.sent, self.pings, int(self.seen == list(range(ROUNDS))), int(ok_state),
                         int(self.moves == self.arrivals), int(self.allreduced == [n] * ROUNDS),
                         int(self.arrivals > 0)], Reducer.sum, f)

    def where(self):
        return charm.myPe()


class Custom(Chare):
    """An element class with its own __getstate__/__setstate__."""

    def __init__(self):
        self.value = self.thisIndex[0] + 100
        self.scratch = object()   # does not pickle: __getstate__ leaves it out

    def __getstate__(self):
        return self.value

    def __setstate__(self, value):
        self.value = value
        self.scratch = None

    def go(self, pe):
        self.migrate(pe)

    def check(self):
        return (self.value, charm.myPe(), self.scratch is None)

    def pin(self):
        self.setMigratable(False)
        try:
            self.migrate((charm.myPe() + 1) % charm.numPes())
        except ValueError as e:
            return str(e)
        return 'moved'


def message_backed(array):
    """Whether `array`'s memory is a charmpy message (the end of its base chain)."""
    base = array
    while getattr(base, 'base', None) is not None:
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return type(base).__name__ == 'Message'


class Holder(Chare):
    """Carries a 1 MiB grid and a small array from PE to PE."""

    def __init__(self):
        self.grid = np.arange(131072, dtype=np.float64).reshape(64, 2048)
        self.small = np.array([1, 2, 3], dtype=np.int32)

    def hop(self, pe):
        self.grid[0, 0] += 1.0   # written where it lies (in the message, after a move)
        self.migrate(pe)

    def inspect(self):
        expected = np.arange(131072, dtype=np.float64).reshape(64, 2048)
        expected[0, 0] = self.grid[0, 0]
        return (charm.myPe(), bool(np.array_equal(self.grid, expected)), float(self.grid[0, 0]),
                self.grid.flags.writeable, self.grid.flags.aligned, message_backed(self.grid),
                self.small.tolist())


class Single(Chare):

    def __init__(self):
        self.count = 0

    def bump(self):
        self.count += 1
        return (self.count, charm.myPe())


class G(Chare):

    def try_move(self):
        try:
            self.migrate(0)
        except ValueError as e:
            return 'refused: ' + str(e)
        return 'moved'


def storm_size():
    return 3 * charm.numPes() + 2


def storm_report(walkers):
    """The walkers' sums after the storm: sent, pings and the counts of elements
    whose checks held (reading them changes nothing)."""
    f = Future()
    walkers.report(f)
    return f.get()


@case
def storm_rounds_sum_and_gather_right(walkers):
    """Runs the storm (the cases after it read what it left): each round's sum and
    gather right while elements move."""
    size = storm_size()
    for rnd in range(ROUNDS):
        fsum, fgather = Future(), Future()
        done = walkers.step(rnd, fsum, fgather, awaitable=True)
        assert fsum.get() == 2 * size * (size - 1) // 2 + rnd * size, fsum.get()
        assert fgather.get() == list(range(size)), fgather.get()
        done.get()
    charm.waitQD()


@case
def storm_delivers_every_ping_exactly_once(walkers):
    size = storm_size()
    sent, pings, in_order, state, moves, allreduces, moved = storm_report(walkers)
    assert sent == size * ROUNDS * PINGS and pings == sent, (sent, pings)


@case
def storm_keeps_broadcast_order_state_and_allreduces(walkers):
    """every broadcast once and in order, state preserved, migrated() on every
    arrival, every allreduce right"""
    size = storm_size()
    sent, pings, in_order, state, moves, allreduces, moved = storm_report(walkers)
    assert in_order == size and state == size and moves == size and allreduces == size, \
        (in_order, state, moves, allreduces)


@case
def storm_moves_elements_to_other_pes(walkers):
    n = charm.numPes()
    sent, pings, in_order, state, moves, allreduces, moved = storm_report(walkers)
    if n > 1:
        assert moved > 0, 'no element moved'
        places = walkers.where(ret=True).get()
        assert len(set(places)) > 1 or n == 1


@case
def element_with_own_getstate_migrates(walkers):
    n = charm.numPes()
    customs = Array(Custom, 2)
    charm.awaitCreation(customs)
    customs[0].go(n - 1)
    charm.waitQD()
    value, pe, rebuilt = customs[0].check(ret=True).get()
    assert (value, pe) == (100, n - 1), (value, pe)
    assert rebuilt == (n > 1)


@case
def non_migratable_element_refuses_to_move(walkers):
    customs = Array(Custom, 2)
    charm.awaitCreation(customs)
    assert 'not migratable' in customs[1].pin(ret=True).get()


@case
def large_arrays_migrate_as_views_of_the_message(walkers):
    """A chare's large arrays arrive without a copy: they view the migration
    message, aligned and writable, and move on from there unchanged."""
    n = charm.numPes()
    holder = Chare(Holder, onPE=0)
    charm.awaitCreation(holder)
    for hop in range(1, 4):
        holder.hop(hop % n)
        charm.waitQD()
        pe, equal, first, writeable, aligned, backed, small = holder.inspect(ret=True).get()
        assert (pe, equal, first, writeable, aligned) == (hop % n, True, float(hop), True, True), \
            (pe, equal, first, writeable, aligned)
        assert small == [1, 2, 3], small
        assert backed == (n > 1), 'a migrated grid should view its message, not a copy'


@case
def single_chare_migrates(walkers):
    n = charm.numPes()
    single = Chare(Single, onPE=0)
    charm.awaitCreation(single)
    assert single.bump(ret=True).get() == (1, 0)
    single.migrate(n - 1)
    for k in range(2, 6):
        assert single.bump(ret=True).get() == (k, n - 1)


@case
def group_element_refuses_to_move(walkers):
    n = charm.numPes()
    g = Group(G)
    assert g[n - 1].try_move(ret=True).get().startswith('refused: ')


def main(args):
    walkers = Array(Walker, storm_size(), args=[2])
    charm.awaitCreation(walkers)
    run_cases(walkers)


charm.start(main)
