# Creating collections through the runtime's group, as charm4py programs do:
# charm.thisProxy[pe].createArray(cls, dims=None, ndims=-1, args=[], map=None,
# useAtSync=False, cb=None) creates the array on PE `pe`; with ret=True the future
# gives its proxy, and `cb` (a Future or a proxy method) receives the proxy too.
# Checks: dense 1-d and 2-d arrays with constructor arguments, a sparse array
# (ndims) filled with ckInsert afterwards, an array placed by an ArrayMap, cb to a
# future and to a chare's method, creation asked from a chare on another PE,
# charm.awaitCreation over the proxies received, and charm.thisProxy[pe].createGroup
# (a charmpy addition with Group's arguments).
from charmpy import charm, Chare, Group, Array, ArrayMap, Reducer, Future, coro

from cases import case, run_cases


class Cell(Chare):

    def __init__(self, base, tag=None):
        self.base = base
        self.tag = tag
        self.made_on = charm.myPe()

    def value(self):
        i = self.thisIndex if isinstance(self.thisIndex, int) else sum(self.thisIndex)
        return self.base + i

    def info(self):
        return (self.thisIndex, self.tag, charm.myPe())

    def same_proxy(self, proxy):
        return self.thisProxy == proxy

    def total(self, f):
        self.contribute(self.value(), Reducer.sum, f)


class OnLast(ArrayMap):

    def procNum(self, index):
        return charm.numPes() - 1


class Collector(Chare):

    def __init__(self):
        self.got = []

    def take(self, proxy):
        self.got.append(proxy)

    @coro
    def collected_sum(self):
        assert len(self.got) == 1, self.got
        f = Future()
        self.got[0].total(f)
        return f.get()


class Asker(Chare):
    """Asks another PE's runtime to create an array and uses it."""

    @coro
    def ask(self, pe, size):
        proxy = charm.thisProxy[pe].createArray(Cell, size, args=[5], ret=True).get()
        charm.awaitCreation(proxy)
        f = Future()
        proxy.total(f)
        return f.get(), proxy.info(ret=True).get()


@case
def dense_arrays_created_on_another_pe(n):
    last = n - 1
    size = 2 * n + 1
    a = charm.thisProxy[last].createArray(Cell, size, args=[100], ret=True).get()
    charm.awaitCreation(a)
    assert a.dims == (size,)
    assert a.value(ret=True).get() == [100 + i for i in range(size)]
    assert all(a.same_proxy(a, ret=True).get())
    b = charm.thisProxy[last].createArray(Cell, (2, 3), args=[1], ret=True).get()
    assert b.dims == (2, 3)
    assert [t for _, t, _ in b.info(ret=True).get()] == [None] * 6
    assert b[1, 2].value(ret=True).get() == 4
    # keyword args of createArray are charm4py's: dims, ndims, args, map, useAtSync
    c = charm.thisProxy[0].createArray(Cell, dims=3, args=[0, 'kw'], ret=True).get()
    assert [t for _, t, _ in c.info(ret=True).get()] == ['kw'] * 3


@case
def sparse_array_created_on_another_pe_then_filled(n):
    s = charm.thisProxy[n - 1].createArray(Cell, ndims=2, args=[], ret=True).get()
    assert s.dims is None and s.ndims == 2
    for i in range(n + 2):
        s.ckInsert((i, 7), args=[10 * i, 'sparse'])
    s.ckDoneInserting()
    got = sorted(s.info(ret=True).get())
    assert got == [((i, 7), 'sparse', got[i][2]) for i in range(n + 2)], got
    f = Future()
    s.total(f)
    assert f.get() == sum(10 * i + i + 7 for i in range(n + 2))


@case
def array_created_on_another_pe_placed_by_its_map(n):
    m = Group(OnLast)
    a = charm.thisProxy[0 if n == 1 else 1].createArray(Cell, 4, args=[0], map=m, ret=True).get()
    assert [pe for _, _, pe in a.info(ret=True).get()] == [n - 1] * 4


@case
def creation_cb_future_receives_the_proxy(n):
    f = Future()
    charm.thisProxy[n - 1].createArray(Cell, 3, args=[7], cb=f)
    a = f.get()
    charm.awaitCreation(a)
    assert a.value(ret=True).get() == [7, 8, 9]


@case
def creation_cb_proxy_method_receives_the_proxy(n):
    collector = Chare(Collector, onPE=0)
    charm.thisProxy[n - 1].createArray(Cell, 4, args=[2], cb=collector.take, awaitable=True).get()
    assert collector.collected_sum(ret=True).get() == sum(2 + i for i in range(4))


@case
def creation_asked_from_a_chare_on_another_pe(n):
    asker = Chare(Asker, onPE=n - 1)
    total, infos = asker.ask(0, 3, ret=True).get()
    assert total == 5 * 3 + 3
    assert sorted(index for index, _, _ in infos) == [(0,), (1,), (2,)]


@case
def await_creation_of_several_received_proxies(n):
    pes = list(range(n))
    proxies = [charm.thisProxy[pe].createArray(Cell, pe + 1, args=[pe], ret=True) for pe in pes]
    proxies = [f.get() for f in proxies]
    assert len(set(proxies)) == n
    charm.awaitCreation(*proxies)
    for pe, p in zip(pes, proxies):
        assert p.value(ret=True).get() == [pe + i for i in range(pe + 1)]


@case
def create_group_on_another_pe(n):
    g = charm.thisProxy[n - 1].createGroup(Cell, args=[50], ret=True).get()
    charm.awaitCreation(g)
    assert g.value(ret=True).get() == [50 + pe for pe in range(n)]
    f = Future()
    charm.thisProxy[0].createGroup(Cell, args=[0, 'cb'], cb=f)
    assert [t for _, t, _ in f.get().info(ret=True).get()] == ['cb'] * n


@case
def bad_class_refused_at_creation(n):
    f = charm.thisProxy[n - 1].createArray(int, 3, ret=True)
    try:
        f.get()
    except TypeError as e:
        assert 'Chare subclass' in str(e), e
    else:
        raise AssertionError('createArray(int) gave a proxy')


def main(args):
    n = charm.numPes()
    run_cases(n)


charm.start(main)
