# Reductions from Python: every built-in reducer on groups and on arrays whose size
# is not a multiple of the PE count, with numbers, lists, tuples and NumPy arrays;
# callbacks to futures, to one element, to a whole collection; allreduce from
# coroutines; empty reductions; custom reducers with pre/post; several in flight.
import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro


def concat_sorted(contributions):
    return sorted(x for part in contributions for x in part)


def double_it(data, contributor):
    return [2 * x for x in data]


Reducer.addReducer(concat_sorted, pre=double_it, post=tuple)


class Worker(Chare):

    def __init__(self):
        self.got = []

    def clear(self):
        self.got = []

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    def run(self, f):
        k = self.k()
        v = k + 1
        self.contribute(v, Reducer.sum, f['sum'])
        self.contribute(0.5 * v, Reducer.sum, f['fsum'])
        self.contribute(v % 3 + 1, Reducer.product, f['product'])
        self.contribute(v, Reducer.max, f['max'])
        self.contribute(-v, Reducer.min, f['min'])
        self.contribute([v, 2 * v], Reducer.sum, f['list'])
        self.contribute((v, -v), Reducer.max, f['tuple'])
        self.contribute(np.array([v, 1.5], dtype=np.float64), Reducer.sum, f['array'])
        self.contribute(np.full((2, 2), v, dtype=np.int32), Reducer.max, f['array2d'])
        self.contribute(v > 0, Reducer.logical_and, f['and'])
        self.contribute(v == 1, Reducer.logical_or, f['or'])
        self.contribute(v == 1, Reducer.logical_xor, f['xor'])
        self.contribute('e%d' % k, Reducer.gather, f['gather'])
        self.reduce(f['barrier'])
        self.contribute([k], Reducer.concat_sorted, f['custom'])
        self.contribute(v, Reducer.sum, self.thisProxy.deliver)          # broadcast callback
        self.contribute(-1, Reducer.min, self.thisProxy[0].deliver)          # one element

    def deliver(self, value):
        self.got.append(value)

    def report(self):
        return self.got

    @coro
    def all_max(self):
        a = self.allreduce(self.k(), Reducer.max)
        b = self.allreduce(np.full(1000, self.k() + 1.0), Reducer.sum)   # in C
        c = self.allreduce(['x%d' % self.k()], Reducer.gather)            # pickled
        d = self.allreduce(True, Reducer.sum)                             # bools count
        n = self.thisProxy.dims[0]
        assert np.array_equal(b.get(), np.full(1000, n * (n + 1) / 2))
        assert c.get() == [['x%d' % k] for k in range(n)]
        assert d.get() == n
        return a.get()


def futures():
    return {name: Future() for name in ('sum', 'fsum', 'product', 'max', 'min', 'list', 'tuple',
                                        'array', 'array2d', 'and', 'or', 'xor', 'gather',
                                        'barrier', 'custom')}


def check(proxy, n):
    f = futures()
    proxy.run(f)
    s = n * (n + 1) // 2
    product = 1
    for v in range(1, n + 1):
        product *= v % 3 + 1
    assert f['sum'].get() == s
    assert f['fsum'].get() == 0.5 * s
    assert f['product'].get() == product
    assert f['max'].get() == n and f['min'].get() == -n
    assert f['list'].get() == [s, 2 * s]
    assert f['tuple'].get() == (n, -1)
    assert np.array_equal(f['array'].get(), np.array([s, 1.5 * n]))
    a2 = f['array2d'].get()
    assert a2.shape == (2, 2) and a2.dtype == np.int32 and (a2 == n).all()
    assert f['and'].get() is True and f['or'].get() is True
    assert f['xor'].get() is True
    assert f['gather'].get() == ['e%d' % k for k in range(n)]
    assert f['barrier'].get() is None
    assert f['custom'].get() == tuple(2 * k for k in range(n))
    charm.waitQD()  # the element and broadcast callbacks have run everywhere
    reports = proxy.report(ret=True).get()
    assert len(reports) == n
    # every element got the broadcast sum; element 0 also the min.
    assert sorted(reports[0]) == sorted([s, -1]), reports[0]
    for r in reports[1:]:
        assert r == [s], r


def main(args):
    n = charm.numPes()
    # Numbers, lists and NumPy arrays under numeric reducers are combined in C.
    from charmpy import reduction
    for data in (3, 2.5, True, [1, 2.0], (4, 5), np.ones(3), np.float32(2)):
        assert reduction.numeric_form(Reducer.sum, data) is not None, data
    assert reduction.numeric_form(Reducer.sum, ['a']) is None
    assert reduction.numeric_form(Reducer.gather, 3) is None
    try:
        Worker.contribute(None, 1, 12345, None)
        raise AssertionError('an unknown reducer must be refused')
    except TypeError:
        pass
    g = Group(Worker)
    check(g, n)
    for size in (1, n + 1, 2 * n + 3):
        a = Array(Worker, size)
        check(a, size)
        assert a.all_max(ret=True).get() == [size - 1] * size
        a.clear(awaitable=True).get()
        check(a, size)  # later reductions reuse the machinery
    charm.exit(0)


charm.start(main)
