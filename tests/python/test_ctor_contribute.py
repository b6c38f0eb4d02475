# Contributing from a constructor, as charm4py allows: contribute, reduce and
# allreduce in __init__ of array elements, group elements (also of a group on some
# PEs, and over the section it is), single chares, sparse-array elements inserted
# with ckInsert (also away from their home PE), and a @coro constructor that
# contributes before and after it suspends. Later contributions stay in step with
# the constructor's (also after the element migrated, and when the constructor
# itself asked to migrate). Other calls charm4py programs make from __init__: a
# Channel to a peer, calls to itself through thisProxy, setMigratable(False).
import numpy as np

from charmpy import charm, Chare, Group, Array, Reducer, Future, Channel, coro

from cases import case, run_cases


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Cell(Chare):
    """Array element contributing every kind of reduction from its constructor."""

    def __init__(self, f):
        i = self.thisIndex[0]
        self.got = None
        self.contribute(i, Reducer.sum, f['sum'])
        self.reduce(f['barrier'])
        self.contribute(self.thisIndex, Reducer.gather, f['gather'])
        self.contribute(np.array([i, 1.0]), Reducer.sum, f['array'])
        self.contribute([i, -i], Reducer.max, f['list'])
        self.contribute(i, Reducer.max, self.thisProxy.collect)   # a broadcast callback
        self.total = self.allreduce(i, Reducer.sum)       # combined in C
        self.gathered = self.allreduce(i, Reducer.gather)  # combined on PE 0

    def collect(self, value):
        self.got = value

    @coro
    def results(self):
        self.wait('self.got is not None')
        return self.total.get(), self.gathered.get(), self.got

    def again(self, f):
        self.contribute(10 * self.thisIndex[0], Reducer.sum, f)


class Member(Chare):
    """Group element contributing from its constructor."""

    def __init__(self, f, g, in_section=None):
        self.contribute(charm.myPe(), Reducer.sum, f)
        self.contribute(charm.myPe(), Reducer.gather, g)
        self.everyone = self.allreduce(1, Reducer.sum)
        if in_section is not None:  # a group on some PEs: thisProxy is its section
            self.contribute(10, Reducer.sum, in_section, section=self.thisProxy)

    @coro
    def everyone_of(self):
        return self.everyone.get()


class Inserted(Chare):
    """Sparse-array element contributing from its constructor."""

    def __init__(self, f, g):
        self.contribute(self.thisIndex[0], Reducer.sum, f)
        self.contribute((self.thisIndex[0], charm.myPe()), Reducer.gather, g)


class Single(Chare):
    """A single chare reduces over itself alone (charm4py: a one-element array)."""

    def __init__(self, f):
        self.contribute(7, Reducer.sum, f['sum'])
        self.contribute('x', Reducer.gather, f['gather'])
        self.doubled = self.allreduce(np.arange(3), Reducer.sum)

    @coro
    def doubled_of(self):
        return self.doubled.get()

    def later(self, f):
        self.contribute([charm.myPe(), 1], Reducer.sum, f)


class Late(Chare):
    """A coroutine constructor contributing before and after it suspends."""

    @coro
    def __init__(self, before, after):
        self.contribute(1, Reducer.sum, before)
        charm.sleep(0.02)
        self.contribute(self.thisIndex[0], Reducer.sum, after)
        self.value = self.allreduce(2, Reducer.sum).get()

    def value_of(self):
        return self.value


class Mover(Chare):
    """Contributes from its constructor, which asks to move to the next PE."""

    def __init__(self, f):
        self.born_on = charm.myPe()
        self.contribute(1, Reducer.sum, f)
        self.migrate((charm.myPe() + 1) % charm.numPes())

    def where(self):
        return self.born_on, charm.myPe()

    def step(self, f):
        self.contribute(self.thisIndex[0], Reducer.sum, f)


class Peer(Chare):
    """Opens a channel, calls itself and forbids migration, all from __init__."""

    def __init__(self):
        i = self.thisIndex[0]
        self.notes = []
        self.ch = Channel(self, remote=self.thisProxy[1 - i])
        self.ch.send(i)
        self.thisProxy[self.thisIndex].note('self-call')
        if i == 1:
            self.setMigratable(False)

    def note(self, x):
        self.notes.append(x)

    @coro
    def exchange(self):
        self.wait('self.notes')  # the call to itself may come after this one
        return self.ch.recv(), self.notes


def futures(*names):
    return {name: Future() for name in names}


@case
def array_elements_contribute_from_constructor():
    n = 2 * charm.numPes() + 1
    f = futures('sum', 'barrier', 'gather', 'array', 'list')
    cells = Array(Cell, n, args=[f])
    check(f['sum'].get() == n * (n - 1) // 2, 'array sum')
    check(f['barrier'].get() is None, 'array barrier')
    check(f['gather'].get() == [(i,) for i in range(n)], 'array gather')
    check(np.array_equal(f['array'].get(), np.array([n * (n - 1) // 2, float(n)])), 'array of arrays sum')
    check(f['list'].get().tolist() == [n - 1, 0], 'list max (an int64 NumPy array, as charm4py gives it)')
    expect = (n * (n - 1) // 2, list(range(n)), n - 1)
    check(cells.results(ret=True).get() == [expect] * n, 'allreduce and broadcast callback')
    f2 = Future()
    cells.again(f2)
    check(f2.get() == 10 * n * (n - 1) // 2, 'a later contribution after the constructor\'s')


@case
def group_elements_contribute_from_constructor():
    n = charm.numPes()
    f, g = Future(), Future()
    members = Group(Member, args=[f, g])
    check(f.get() == n * (n - 1) // 2, 'group sum')
    check(g.get() == list(range(n)), 'group gather')
    check(members.everyone_of(ret=True).get() == [n] * n, 'group allreduce')


@case
def group_on_some_pes_contributes_over_its_section():
    n = charm.numPes()
    some = list(range(0, n, 2))
    f, g, h = Future(), Future(), Future()
    part = Group(Member, args=[f, g, h], onPEs=some)
    check(f.get() == sum(some), 'group on some PEs: sum')
    check(h.get() == 10 * len(some), 'group on some PEs: over its section')
    check(g.get() == some, 'group on some PEs: gather')
    check(part.everyone_of(ret=True).get() == [len(some)] * len(some), 'group on some PEs: allreduce')


@case
def inserted_sparse_elements_contribute_from_constructor():
    n = charm.numPes()
    indices = [3, 11, 20, 42, 57]
    f, g = Future(), Future()
    sparse = Array(Inserted, ndims=1)
    for k, i in enumerate(indices):
        sparse.ckInsert(i, args=[f, g], onPE=(k % n) if k % 2 else -1)
    sparse.ckDoneInserting()
    check(f.get() == sum(indices), 'sparse sum')
    got = g.get()
    check([i for i, _ in got] == indices, 'sparse gather in index order: %r' % (got,))
    check(all(pe == k % n for k, (_, pe) in enumerate(got) if k % 2), 'inserted on the PE asked: %r' % (got,))


@case
def single_chare_reduces_over_itself_from_constructor():
    n = charm.numPes()
    f = futures('sum', 'gather')
    s = Chare(Single, args=[f], onPE=n - 1)
    check(f['sum'].get() == 7, 'single chare sum')
    check(f['gather'].get() == ['x'], 'single chare gather')
    check(list(s.doubled_of(ret=True).get()) == [0, 1, 2], 'single chare allreduce')
    s.migrate(0)
    f2 = Future()
    s.later(f2)
    check(f2.get().tolist() == [0, 1], 'single chare contributing after it moved')


@case
def coro_constructor_contributes_before_and_after_suspending():
    n = charm.numPes() + 1
    before, after = Future(), Future()
    late = Array(Late, n, args=[before, after])
    charm.awaitCreation(late)
    check(before.get() == n, 'coro constructor: before suspending')
    check(after.get() == n * (n - 1) // 2, 'coro constructor: after suspending')
    check(late.value_of(ret=True).get() == [2 * n] * n, 'coro constructor: allreduce waited in __init__')


@case
def contributions_stay_in_step_when_elements_migrate():
    n, pes = 2 * charm.numPes(), charm.numPes()
    f = Future()
    movers = Array(Mover, n, args=[f])
    check(f.get() == n, 'constructor contributions of elements that move')
    for born, now in movers.where(ret=True).get():
        check(now == (born + 1) % pes, 'migrate() from the constructor: %d -> %d' % (born, now))
    for i in range(n):
        movers[i].migrate(i % pes)
    f2 = Future()
    movers.step(f2)
    check(f2.get() == n * (n - 1) // 2, 'a contribution after migrating')


@case
def constructor_opens_channel_calls_itself_and_forbids_migration():
    peers = Array(Peer, 2)
    check(peers.exchange(ret=True).get() == [(1, ['self-call']), (0, ['self-call'])],
          'Channel and a call to itself from __init__')
    try:
        peers[1].migrate(0, ret=True).get()
    except ValueError:
        pass
    else:
        check(False, 'setMigratable(False) from __init__ not honoured')


def main(args):
    run_cases()


charm.start(main)
