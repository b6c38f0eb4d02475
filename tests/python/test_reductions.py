# Reductions from Python: every built-in reducer on groups and on arrays whose size
# is not a multiple of the PE count, with numbers, lists, tuples and NumPy arrays;
# callbacks to futures, to one element, to a whole collection; allreduce from
# coroutines; empty reductions; custom reducers with pre/post; several in flight.
# Allreduce of numbers and arrays (exchanged pairwise between PEs, combined in C):
# 1 MiB arrays over a group and over arrays with 8 elements per PE and with fewer
# elements than PEs, exact values, many dtypes and forms in flight back to back,
# shared read-only results, refused contributions that change nothing.
import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases

MIB_DOUBLES = 1 << 17  # 1 MiB of float64


def local_elements(size, n, pe):
    """How many elements of an Array(size) the default map puts on `pe`."""
    return sum(1 for i in range(size) if i * n // size == pe)


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


class Allreducer(Chare):
    """Allreduces over its own collection (a group, or an array of `size`)."""

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    @coro
    def big(self, size):
        """1 MiB float64 arrays summed: exact integers, the same result everywhere."""
        k, n = self.k(), size
        x = np.arange(MIB_DOUBLES, dtype=np.float64) + k
        r = self.allreduce(x, Reducer.sum).get()
        assert r.dtype == np.float64 and r.shape == (MIB_DOUBLES,)
        assert np.array_equal(r, n * np.arange(MIB_DOUBLES, dtype=np.float64) + n * (n - 1) // 2)
        x[:] = -1  # the contribution was copied: changing it now changes nothing
        assert r[1] == n + n * (n - 1) // 2
        n_pes = charm.numPes()
        is_array = isinstance(self.thisIndex, tuple)
        local = local_elements(size, n_pes, charm.myPe()) if is_array else 1
        if local > 1:
            assert not r.flags.writeable, 'a result shared by several elements must be read-only'
        # PEs holding elements; with a power of two of them no PE still sends its result
        holding = len({i * n_pes // size for i in range(size)}) if is_array else n_pes
        if local == 1 and holding & (holding - 1) == 0:
            r[0] = 7.0  # a result owned by one element alone may be changed
        # a 1 MiB max and min back to back, both in flight together
        hi = self.allreduce(np.full(MIB_DOUBLES, float(k)), Reducer.max)
        lo = self.allreduce(np.full(MIB_DOUBLES, float(k)), Reducer.min)
        assert (hi.get() == n - 1).all() and (lo.get() == 0).all()
        return float(r[-1])

    @coro
    def mixed(self, size):
        """Many forms and dtypes in flight at once, C and Python paths interleaved."""
        k, n = self.k(), size
        fs = [
            self.allreduce(np.full(1000, k + 1, dtype=np.int32), Reducer.max),
            self.allreduce(np.full((3, 4), k, dtype=np.float32), Reducer.sum),
            self.allreduce(np.array([k % 2 == 0] * 5), Reducer.logical_and),
            self.allreduce(np.full(7, 2, dtype=np.uint8), Reducer.product),   # wraps around
            self.allreduce(np.int16(-k), Reducer.min),                         # NumPy scalar
            self.allreduce(k, Reducer.sum),
            self.allreduce(0.5, Reducer.sum),
            self.allreduce(k == 0, Reducer.logical_or),
            self.allreduce(True, Reducer.sum),                                 # bools count
            self.allreduce([k, 1.5], Reducer.max),
            self.allreduce((k, -k), Reducer.sum),
            self.allreduce(),                                                  # empty
            self.allreduce(['x%d' % k], Reducer.gather),                       # Python path
            self.allreduce(np.full(5000, k, dtype=np.int64), Reducer.sum),     # > 16 KiB
            self.allreduce(np.uint64(2 ** 63 + k), Reducer.max),
            self.allreduce(np.zeros(0), Reducer.sum),                          # empty array
            self.allreduce(np.array(2.5), Reducer.sum),                        # 0-d array
            self.allreduce(np.arange(12.0).reshape(3, 4)[:, 1], Reducer.max),  # not contiguous
            self.allreduce(np.float32(1.5), Reducer.sum),
        ]
        s = n * (n - 1) // 2
        a = fs[0].get()
        assert a.dtype == np.int32 and (a == n).all()
        b = fs[1].get()  # flattened, as charm4py's C reducers give it
        assert b.dtype == np.float32 and b.shape == (12,) and (b == s).all()
        c = fs[2].get()
        assert c.dtype == np.bool_ and (c == (n == 1)).all()
        d = fs[3].get()
        assert d.dtype == np.uint8 and (d == (2 ** n) % 256).all()
        e = fs[4].get()  # one value: a Python number, as charm4py reads it back from C
        assert type(e) is int and e == -(n - 1)
        assert fs[5].get() == s and type(fs[5].get()) is int
        assert fs[6].get() == 0.5 * n and type(fs[6].get()) is float
        assert fs[7].get() == 1 and type(fs[7].get()) is int   # C's bool read back: 0 or 1
        assert fs[8].get() == n
        nine = fs[9].get()
        assert nine.dtype == np.float64 and nine.tolist() == [n - 1, 1.5]
        ten = fs[10].get()
        assert ten.dtype == np.int64 and ten.tolist() == [s, -s]
        assert fs[11].get() is None
        assert fs[12].get() == [['x%d' % i] for i in range(n)]
        assert (fs[13].get() == s).all()
        assert fs[14].get() == 2 ** 63 + n - 1 and type(fs[14].get()) is int
        assert fs[15].get().shape == (0,) and fs[15].get().dtype == np.float64
        assert type(fs[16].get()) is float and fs[16].get() == 2.5 * n
        assert fs[17].get().tolist() == [1.0, 5.0, 9.0]
        assert type(fs[18].get()) is float and fs[18].get() == 1.5 * n
        # list results are NumPy arrays shared by the elements of a PE: read-only then
        mine = self.allreduce([1, 2], Reducer.sum).get()
        assert mine.dtype == np.int64 and mine.tolist() == [n, 2 * n]
        if local_elements(size, charm.numPes(), charm.myPe()) > 1 and isinstance(self.thisIndex, tuple):
            assert not mine.flags.writeable
        return True

    def bad_first(self):
        self.pending = self.allreduce(np.ones(3), Reducer.sum)

    def bad_second(self):
        """Runs after bad_first on the same PE: mismatching data is refused at once
        and leaves the element's reduction number as it was (and no future behind)."""
        from charmpy import futures as futures_module
        live_before = len(futures_module._live)
        for data, reducer in ((np.ones(4), Reducer.sum), (np.ones(3, dtype=np.int32), Reducer.sum),
                              (np.ones(3), Reducer.max), (2.0, Reducer.sum)):
            try:
                self.allreduce(data, reducer)
            except ValueError:
                pass
            else:
                raise AssertionError('a mismatching allreduce contribution must be refused')
        try:
            self.allreduce(np.ones(3), 'no such reducer')
            raise AssertionError('an unknown reducer must be refused')
        except TypeError:
            pass
        assert len(futures_module._live) == live_before, 'a refused allreduce left a live future'
        self.pending = self.allreduce(np.ones(3), Reducer.sum)

    def bad_rest(self):
        if self.k() > 1:
            self.pending = self.allreduce(np.ones(3), Reducer.sum)

    @coro
    def bad_result(self):
        return self.pending.get().tolist()


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
    # charm4py's types: lists and tuples of ints give int64 NumPy arrays, NumPy
    # arrays come back flattened, truth values as 0 or 1
    assert f['list'].get().dtype == np.int64 and f['list'].get().tolist() == [s, 2 * s]
    assert f['tuple'].get().dtype == np.int64 and f['tuple'].get().tolist() == [n, -1]
    assert np.array_equal(f['array'].get(), np.array([s, 1.5 * n]))
    a2 = f['array2d'].get()
    assert a2.shape == (4,) and a2.dtype == np.int32 and (a2 == n).all()
    assert f['and'].get() == 1 and f['or'].get() == 1 and type(f['and'].get()) is int
    assert f['xor'].get() == 1
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


@case
def numeric_data_under_numeric_reducers_takes_the_c_path():
    # Numbers, lists and NumPy arrays under numeric reducers are combined in C.
    from charmpy import reduction
    for data in (3, 2.5, True, [1, 2.0], (4, 5), np.ones(3), np.float32(2)):
        assert reduction.numeric_form(Reducer.sum, data) is not None, data
    assert reduction.numeric_form(Reducer.sum, ['a']) is None
    assert reduction.numeric_form(Reducer.gather, 3) is None


@case
def contribute_refuses_an_unknown_reducer():
    try:
        Worker.contribute(None, 1, 12345, None)
        raise AssertionError('an unknown reducer must be refused')
    except TypeError:
        pass


@case
def group_allreduce_of_1mib_arrays_and_mixed_forms():
    n = charm.numPes()
    g = Group(Allreducer)
    assert g.big(n, ret=True).get() == [n * (MIB_DOUBLES - 1) + n * (n - 1) // 2] * n
    assert g.mixed(n, ret=True).get() == [True] * n


@case
def array_allreduce_of_1mib_arrays_and_mixed_forms():
    n = charm.numPes()
    for size in (1, max(1, n - 1), 8 * n):  # fewer elements than PEs, and 8 per PE
        a = Array(Allreducer, size)
        assert a.big(size, ret=True).get() == [size * (MIB_DOUBLES - 1) + size * (size - 1) // 2] * size
        assert a.mixed(size, ret=True).get() == [True] * size


@case
def refused_allreduce_contributions_change_nothing():
    n = charm.numPes()
    # refused contributions: elements 0 and 1 share PE 0
    a = Array(Allreducer, 2 * n)
    a[0].bad_first(awaitable=True).get()
    a[1].bad_second(awaitable=True).get()
    a.bad_rest(awaitable=True).get()
    assert a.bad_result(ret=True).get() == [[2.0 * n] * 3] * (2 * n)


@case
def group_reductions_reach_futures_and_callbacks():
    g = Group(Worker)
    check(g, charm.numPes())


@case
def array_reductions_callbacks_and_coroutine_allreduce_then_reused():
    n = charm.numPes()
    for size in (1, n + 1, 2 * n + 3):
        a = Array(Worker, size)
        check(a, size)
        assert a.all_max(ret=True).get() == [size - 1] * size
        a.clear(awaitable=True).get()
        check(a, size)  # later reductions reuse the machinery


def main(args):
    run_cases()


charm.start(main)
