# Sparse arrays: Array(cls, ndims=n) starts empty; ckInsert from main and from
# chares on every PE (on the element's home and on a PE named with onPE) fills it;
# ckDoneInserting closes it. Checks: messages sent right after ckInsert (before
# the element exists, some by reference on the sender's PE) arrive exactly once;
# contributions made before ckDoneInserting wait, then complete
# over exactly the inserted elements; broadcasts, sum and gather (in index order)
# reductions and allreduces from a coroutine cover exactly the inserted elements,
# also while they migrate; broadcasts made before some insertions do not stall the
# later elements; a 2-d sparse array (thisIndex tuples, dims None, ndims 2, a
# broadcast right after ckDoneInserting reaches every element); bad input raises
# at the call.
import random
import types

from charmpy import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases

PER_PE = 5
ROUNDS = 4


class Cell(Chare):

    def __init__(self, tag, early):
        assert type(self.thisIndex) is tuple and len(self.thisIndex) == 1
        assert tag == 3 * self.thisIndex[0], (tag, self.thisIndex)
        assert self.thisProxy.dims is None and self.thisProxy.ndims == 1
        self.tag = tag
        self.pings = []
        self.olds = 0
        self.seen = []
        self.totals = []
        self.where_built = charm.myPe()
        self.early = early

    def start(self):
        self.contribute(self.tag, Reducer.sum, self.early)   # before ckDoneInserting: waits

    def ping(self, frm, payload):
        assert payload == {'to': self.thisIndex[0], 'list': [1, 2, 3]}, payload
        self.pings.append(frm)

    def old(self):
        self.olds += 1

    def built_on(self):
        return (self.thisIndex[0], self.where_built)

    @coro
    def step(self, rnd, fsum, fgather):
        self.seen.append(rnd)
        self.contribute(self.tag + rnd, Reducer.sum, fsum)
        self.contribute(self.thisIndex, Reducer.gather, fgather)
        self.totals.append(self.allreduce(1, Reducer.sum).get())
        rng = random.Random(rnd * 7919 + self.thisIndex[0])
        self.migrate(rng.randrange(charm.numPes()))   # once this coroutine has ended

    def report(self, f):
        self.contribute([len(self.pings), int(self.seen == list(range(ROUNDS))),
                         sum(self.totals)], Reducer.sum, f)


class Inserter(Chare):
    """Group: each PE inserts its share and pings each element right away."""

    def fill(self, cells, early, base):
        me, n = charm.myPe(), charm.numPes()
        for k in range(PER_PE):
            idx = base + me * 1000 + 7 * k
            if k % 2:
                cells.ckInsert(idx, args=[3 * idx, early], onPE=(me + 1) % n)
            else:
                cells.ckInsert((idx,), [3 * idx, early])
            cells[idx].ping(me, {'to': idx, 'list': [1, 2, 3]})
            cells[idx].start()


class Tile(Chare):

    def __init__(self, scale):
        assert type(self.thisIndex) is tuple and len(self.thisIndex) == 2
        assert self.thisProxy.ndims == 2
        assert (self.thisProxy.dims is None) == (scale == 2)   # the sparse ones get 2
        self.value = scale * (self.thisIndex[0] * 100 + self.thisIndex[1])

    def collect(self, f):
        self.contribute((self.thisIndex, self.value), Reducer.gather, f)


def expect(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc as e:
        return str(e)
    raise AssertionError('%s did not raise %s' % (fn, exc.__name__))


# The cases below share the sparse array main() filled (in `s`), in this order:
# the first ends its insertions, the later ones use its elements as they left them.
@case
def contributions_before_done_inserting_wait_then_cover_every_element(s):
    assert s.cells.dims is None and s.cells.ndims == 1
    charm.waitQD()   # every element exists and contributed
    assert not s.early.ready(), 'a reduction over a sparse array completed before ckDoneInserting'
    s.cells.ckDoneInserting()
    assert s.early.get() == s.tag_sum, (s.early.get(), s.tag_sum)


@case
def elements_placed_where_ck_insert_asked(s):
    n, cells, indices = charm.numPes(), s.cells, s.indices
    # Elements placed where asked: odd k on the next PE.
    placed = dict(cells.built_on(ret=True).get())
    assert sorted(placed) == indices
    for pe in range(n):
        for k in range(1, PER_PE, 2):
            idx = pe * 1000 + 7 * k
            assert placed[idx] == (pe + 1) % n, (idx, placed[idx])
    assert cells[-5].built_on(ret=True).get() == (-5, n - 1)


@case
def broadcasts_and_reductions_cover_the_inserted_elements_while_they_migrate(s):
    cells, indices, count, tag_sum = s.cells, s.indices, s.count, s.tag_sum
    for rnd in range(ROUNDS):
        fsum, fgather = Future(), Future()
        cells.step(rnd, fsum, fgather)
        assert fsum.get() == tag_sum + rnd * count, (fsum.get(), tag_sum + rnd * count)
        assert fgather.get() == [(i,) for i in indices], fgather.get()


@case
def messages_reach_every_element_exactly_once_also_after_migration(s):
    cells, indices, count = s.cells, s.indices, s.count
    charm.waitQD()
    for idx in indices:   # after migration: messages still find every element
        cells[idx].ping(-2, {'to': idx, 'list': [1, 2, 3]})
    charm.waitQD()
    f = Future()
    cells.report(f)
    pings, in_order, totals = f.get()
    assert pings == 2 * count, (pings, count)            # each exactly once
    assert in_order == count, in_order
    assert totals == count * count * ROUNDS, totals       # every allreduce saw every element


@case
def bad_input_raises_at_the_call(s):
    n, cells, early = charm.numPes(), s.cells, s.early
    # Bad input raises at the call.
    expect(ValueError, cells.ckInsert, -5, args=[-15, early])            # inserted from here before
    expect(IndexError, cells.ckInsert, (1, 2))                           # wrong ndims
    expect(IndexError, cells.ckInsert, 77, onPE=n)                       # no such PE
    expect(IndexError, cells.ckInsert, 1 << 40)                          # not 32-bit
    expect(RuntimeError, cells.ckInsert, 123456, args=[0, early])        # after ckDoneInserting
    expect(IndexError, cells.__getitem__, (1, 2))
    expect(TypeError, cells.__getitem__, slice(0, 3))
    dense = Array(Tile, (2, 2), args=[1])
    expect(TypeError, dense.ckInsert, (0, 0))
    dense.ckDoneInserting()                # nothing to end on a dense array (as charm4py)
    expect(TypeError, dense[0, 0].ckDoneInserting)
    expect(ValueError, Array, Tile, ndims=7)
    expect(TypeError, cells[-5].ckInsert, 3)


@case
def two_dimensional_sparse_array_broadcast_right_after_done_inserting(s):
    n = charm.numPes()
    # 2-d: inserted round robin, a broadcast right after ckDoneInserting reaches all.
    tiles = Array(Tile, ndims=2)
    assert tiles.dims is None and tiles.ndims == 2
    expected = []
    for i in range(3):
        for j in range(i, 5):
            tiles.ckInsert((i, j), args=[2], onPE=(i + j) % n)
            expected.append(((i, j), 2 * (i * 100 + j)))
    tiles.ckDoneInserting()
    f = Future()
    tiles.collect(f)
    assert f.get() == expected, f.get()


def main(args):
    """Fills the sparse array the cases share: messages sent before its elements
    exist, contributions made before ckDoneInserting."""
    n = charm.numPes()
    cells = Array(Cell, ndims=1)
    early = Future()
    cells.old()   # before any insertion: later elements must not wait for it

    inserters = Group(Inserter)
    inserters.fill(cells, early, 0, awaitable=True).get()
    cells.old()   # between insertions
    inserters.fill(cells, early, 500, awaitable=True).get()
    # From main too: on the last PE and on the element's home, pinged before they exist.
    cells.ckInsert(-5, args=[-15, early], onPE=n - 1)
    cells.ckInsert(-9, args=[-27, early])
    for idx in (-5, -9):
        cells[idx].ping(-1, {'to': idx, 'list': [1, 2, 3]})
        cells[idx].start()

    indices = sorted([-5, -9] + [base + pe * 1000 + 7 * k for base in (0, 500)
                                 for pe in range(n) for k in range(PER_PE)])
    count = len(indices)
    tag_sum = 3 * sum(indices)
    run_cases(types.SimpleNamespace(cells=cells, early=early, indices=indices, count=count, tag_sum=tag_sum))


charm.start(main)
