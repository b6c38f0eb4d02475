# The types of reduction results, as charm4py 1.1 gives them (see
# charmpy/reduction.py, "result types"): over a whole group or array Charm++'s C
# reducers give a Python int or float for one value (truth values as 0 or 1) and
# a 1-D NumPy array of the C type's dtype for more (Python ints: int64, floats:
# float64, truth values: bool; NumPy arrays flattened, array.array by typecode);
# over a section, and over a group made with onPEs, charm4py reduces with NumPy
# (NumPy scalars, arrays of the contributions' shape). Every kind of contribution
# under every numeric reducer and gather, to a Future, to a proxy method and by
# allreduce, over groups, arrays (more elements than PEs), a section and a group
# made with onPEs. Data combined in Python (products of Python numbers, Fractions)
# gets the same types.
import array
from fractions import Fraction

import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases


def want(result, typ, value, dtype=None, shape=None):
    assert type(result) is typ, 'got %r of type %s, want %s' % (result, type(result), typ)
    if typ is np.ndarray:
        assert result.dtype == dtype, (result.dtype, dtype)
        assert result.shape == shape, (result.shape, shape)
        assert (result.reshape(-1) == np.asarray(value).reshape(-1)).all(), (result, value)
    else:
        assert result == value, (result, value)
        if dtype is not None:
            assert result.dtype == dtype, (result.dtype, dtype)


def number(sec, python_type, numpy_type, value):
    """A scalar: a Python number over a collection, a NumPy scalar over a section."""
    return (numpy_type, value) if sec else (python_type, value)


def vector(sec, value, dtype, shape):
    """A 1-D array over a collection (one value: a Python number), the
    contributions' shape over a section."""
    flat = np.asarray(value, dtype=dtype).reshape(-1)
    if not sec and flat.size == 1:
        return (float, float(flat[0])) if np.dtype(dtype).kind == 'f' else (int, int(flat[0]))
    return (np.ndarray, value, np.dtype(dtype), shape if sec else (flat.size,))


def check_number(result, expected):
    if expected[0] is np.ndarray:
        want(result, np.ndarray, expected[1], expected[2], expected[3])
    else:
        want(result, expected[0], expected[1])


# (name, data of element k, reducer, expected(n, over a section)); n elements.
CASES = [
    ('int sum', lambda k: k + 1, 'sum', lambda n, sec: number(sec, int, np.int64, n * (n + 1) // 2)),
    ('int max', lambda k: k, 'max', lambda n, sec: number(sec, int, np.int64, n - 1)),
    ('int min', lambda k: -k, 'min', lambda n, sec: number(sec, int, np.int64, -(n - 1))),
    ('int product', lambda k: 2, 'product', lambda n, sec: number(sec, int, np.int64, 2 ** n)),
    ('float sum', lambda k: 0.5, 'sum', lambda n, sec: number(sec, float, np.float64, 0.5 * n)),
    ('float min', lambda k: float(k), 'min', lambda n, sec: number(sec, float, np.float64, 0.0)),
    ('float product', lambda k: 2.0, 'product', lambda n, sec: number(sec, float, np.float64, 2.0 ** n)),
    ('bool sum', lambda k: True, 'sum', lambda n, sec: number(sec, int, np.int64, n)),
    ('bool and', lambda k: True, 'logical_and', lambda n, sec: number(sec, int, np.bool_, 1)),
    ('bool or', lambda k: k == 0, 'logical_or', lambda n, sec: number(sec, int, np.bool_, 1)),
    ('bool xor', lambda k: True, 'logical_xor', lambda n, sec: number(sec, int, np.bool_, n % 2)),
    ('int and', lambda k: k, 'logical_and', lambda n, sec: number(sec, int, np.bool_, int(n == 0))),
    ('ints sum', lambda k: [k, 1], 'sum', lambda n, sec: vector(sec, [n * (n - 1) // 2, n], np.int64, (2,))),
    ('ints product', lambda k: [2, 1, 3], 'product',
     lambda n, sec: vector(sec, [2 ** n, 1, 3 ** n], np.int64, (3,))),
    ('ints max', lambda k: [k, -k], 'max', lambda n, sec: vector(sec, [n - 1, 0], np.int64, (2,))),
    ('floats max', lambda k: [float(k), -1.0], 'max', lambda n, sec: vector(sec, [n - 1.0, -1.0], np.float64, (2,))),
    ('mixed list sum', lambda k: [1, 2.5], 'sum', lambda n, sec: vector(sec, [n, 2.5 * n], np.float64, (2,))),
    ('mixed list product', lambda k: [2, 0.5], 'product',
     lambda n, sec: vector(sec, [2.0 ** n, 0.5 ** n], np.float64, (2,))),
    ('tuple sum', lambda k: (k, 2), 'sum', lambda n, sec: vector(sec, [n * (n - 1) // 2, 2 * n], np.int64, (2,))),
    ('bools and', lambda k: [True, k == 0], 'logical_and', lambda n, sec: vector(sec, [True, n == 1], np.bool_, (2,))),
    ('one int', lambda k: [k], 'sum', lambda n, sec: vector(sec, [n * (n - 1) // 2], np.int64, (1,))),
    ('one float', lambda k: (1.5,), 'max', lambda n, sec: vector(sec, [1.5], np.float64, (1,))),
    ('one bool', lambda k: [True], 'logical_or', lambda n, sec: vector(sec, [True], np.bool_, (1,))),
    ('int32 array', lambda k: np.full(3, k, dtype=np.int32), 'max',
     lambda n, sec: vector(sec, [n - 1] * 3, np.int32, (3,))),
    ('float32 2-d array', lambda k: np.ones((2, 3), dtype=np.float32), 'sum',
     lambda n, sec: vector(sec, np.full((2, 3), n), np.float32, (2, 3))),
    ('uint8 array product', lambda k: np.full(2, 2, dtype=np.uint8), 'product',
     lambda n, sec: vector(sec, [2 ** n % 256] * 2, np.uint8, (2,))),
    ('int64 array sum', lambda k: np.array([k, 1], dtype=np.int64), 'sum',
     lambda n, sec: vector(sec, [n * (n - 1) // 2, n], np.int64, (2,))),
    ('bool array or', lambda k: np.array([k == 0, False]), 'logical_or',
     lambda n, sec: vector(sec, [True, False], np.bool_, (2,))),
    ('float64 one-value array', lambda k: np.array([1.5]), 'sum',
     lambda n, sec: vector(sec, [1.5 * n], np.float64, (1,))),
    ('float32 scalar', lambda k: np.float32(1.5), 'sum',
     lambda n, sec: number(sec, float, np.float32, 1.5 * n)),
    ('int16 scalar', lambda k: np.int16(k), 'max', lambda n, sec: number(sec, int, np.int16, n - 1)),
    ("array('d')", lambda k: array.array('d', [k, 1]), 'sum',
     lambda n, sec: vector(sec, [n * (n - 1) // 2, n], np.float64, (2,))),
    ("array('i')", lambda k: array.array('i', [k, 2]), 'max', lambda n, sec: vector(sec, [n - 1, 2], np.int32, (2,))),
    ("array('q') of one", lambda k: array.array('q', [k]), 'min', lambda n, sec: vector(sec, [0], np.int64, (1,))),
    ('Fraction sum', lambda k: Fraction(1, 3), 'sum', lambda n, sec: (Fraction, Fraction(n, 3))),
    ('gather', lambda k: 'e%d' % k, 'gather', lambda n, sec: (list, ['e%d' % k for k in range(n)])),
    ('gather of lists', lambda k: [k], 'gather', lambda n, sec: (list, [[k] for k in range(n)])),
]


def check_case(i, result, n, sec, how):
    name, _, _, expected = CASES[i]
    try:
        check_number(result, expected(n, sec))
    except AssertionError as e:
        raise AssertionError('%s over %d elements%s, %s: %s'
                             % (name, n, ' (a section)' if sec else '', how, e)) from None


class Typed(Chare):

    def __init__(self):
        self.collected = []

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    def contribute_all(self, futures, sec):
        for (name, data, reducer, _), f in zip(CASES, futures):
            self.contribute(data(self.k()), getattr(Reducer, reducer), f, section=sec)

    def to_method(self, sec):
        """Results to a proxy method (element 0's collect), some of the cases."""
        for i in (0, 4, 9, 12, 20, 24, 29):
            _, data, reducer, _ = CASES[i]
            self.contribute(data(self.k()), getattr(Reducer, reducer), self.thisProxy[0].collect, section=sec)

    def collect(self, result):
        self.collected.append(result)

    def collected_results(self):
        return self.collected

    @coro
    def allreduce_all(self, n, sec):
        fs = [self.allreduce(data(self.k()), getattr(Reducer, reducer), section=sec)
              for _, data, reducer, _ in CASES]
        for i, f in enumerate(fs):
            check_case(i, f.get(), n, sec is not None, 'allreduce')
        return True


class OnPes(Typed):
    """A group made with onPEs (the even PEs): its thisProxy is a section, as in
    charm4py."""

    def k(self):
        return self.thisIndex // 2  # 0, 1, ... over the members

    def contribute_all(self, futures, sec):
        super().contribute_all(futures, None)

    @coro
    def allreduce_all(self, n, sec):
        fs = [self.allreduce(data(self.k()), getattr(Reducer, reducer)) for _, data, reducer, _ in CASES]
        for i, f in enumerate(fs):
            check_case(i, f.get(), n, True, 'allreduce')
        return True


def run(proxy, n, sec=None, section_typed=False):
    futures = [Future() for _ in CASES]
    (sec or proxy).contribute_all(futures, sec)
    for i, f in enumerate(futures):
        check_case(i, f.get(), n, section_typed, 'contribute to a Future')
    (sec or proxy).to_method(sec)
    charm.waitQD()
    got = proxy[0].collected_results(ret=True).get()
    for i, result in zip((0, 4, 9, 12, 20, 24, 29), got):
        check_case(i, result, n, section_typed, 'contribute to a proxy method')
    assert len(got) == 7, got
    assert (sec or proxy).allreduce_all(n, sec, ret=True).get() == [True] * n


@case
def group_results_have_charm4py_types():
    pes = charm.numPes()
    run(Group(Typed), pes)


@case
def array_results_have_charm4py_types():
    size = 2 * charm.numPes() + 1   # more elements than PEs
    a = Array(Typed, size)
    run(a, size)


@case
def array_section_results_have_numpy_types():
    size = 2 * charm.numPes() + 1
    m = max(1, size - 2)  # a section of the array's first m elements
    b = Array(Typed, size)
    run(b, m, b[0:m], section_typed=True)


@case
def group_on_some_pes_results_have_numpy_types():
    on = list(range(0, charm.numPes(), 2))
    run(Group(OnPes, onPEs=on), len(on), section_typed=True)


def main(args):
    run_cases()


charm.start(main)
