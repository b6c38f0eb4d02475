# Reductions are never silently wrong:
# - array.array contributions combine element-wise (not concatenated, not compared
#   as sequences) under every built-in reducer and every numeric typecode, and give
#   a NumPy array of the typecode's dtype, as charm4py does: contribute to futures
#   over groups, arrays and sections, and allreduce over groups, arrays (pairwise
#   exchange in C) and sections;
# - Python int sums stay exact past int64 where the result is a Python int (a
#   whole collection's number), products of Python numbers follow Python's
#   arithmetic (exact ints, ints and floats mixed); where charm4py's result is
#   int64 (lists, a section's numbers) a value past int64 makes the futures raise
#   OverflowError naming the reduction, never a wrapped-around value; ints that do
#   not fit in 64 bits are refused with OverflowError;
# - contributions of different shapes, lengths, kinds or types are refused with an
#   error naming the reduction and both sides (here: two elements on one PE, where
#   the second contribution raises; across PEs the job aborts, see
#   test_reduction_mismatch.py), and the refused element can still contribute.
import array
import functools

import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro
from charmpy import reduction

from cases import case, run_cases

TYPECODES = 'bBhHiIlLqQfd'
REDUCERS = ('sum', 'product', 'max', 'min', 'logical_and', 'logical_or', 'logical_xor')
NP_OPS = {'sum': np.add, 'product': np.multiply, 'max': np.maximum, 'min': np.minimum,
          'logical_and': np.logical_and, 'logical_or': np.logical_or, 'logical_xor': np.logical_xor}
BIG = 1 << 62  # 2 of these already leave int64


def values_for(tc, name, k):
    """Element k's three values: small enough for every typecode once combined
    over up to 11 elements, signed ones negative somewhere."""
    if name == 'product':
        return [2 if k < 3 else 1, 1, 2 if k == 0 else 1]
    if name.startswith('logical'):
        return [k % 2, 1, 0]
    signed = tc in 'bhilqfd'
    return [k % 3 + 1, -(k % 4) if signed else k % 4, k % 2]


_expected = {}


def expected(tc, name, ks):
    """NumPy's result over the elements numbered ks, in the typecode's dtype
    (logical: 0/1)."""
    key = (tc, name, ks)
    if key not in _expected:
        dt = np.dtype(tc)
        parts = [np.array(values_for(tc, name, k), dtype=dt) for k in ks]
        _expected[key] = functools.reduce(NP_OPS[name], parts).astype(dt)
    return _expected[key]


def check_array_result(result, tc, name, ks, where):
    want = expected(tc, name, ks)
    assert isinstance(result, np.ndarray), '%s %s %r: got %r' % (where, name, tc, result)
    assert result.dtype == want.dtype and result.shape == (3,), \
        '%s %s %r: dtype %s shape %s' % (where, name, tc, result.dtype, result.shape)
    assert np.array_equal(result, want), '%s %s %r: %r, expected %r' % (where, name, tc, result, want)


def outcome(f):
    """A future's value, or the OverflowError it raises."""
    try:
        return f.get()
    except OverflowError as e:
        return e


def want(result, value, typ, where, key):
    """`result` is `value` of type `typ`; an OverflowError naming the reduction
    where that does not fit in int64 (typ an int64 NumPy type)."""
    fits = all(-2 ** 63 <= v < 2 ** 63 for v in np.asarray(value, dtype=object).reshape(-1)
               if isinstance(v, int))
    if (typ is np.int64 or typ is np.ndarray) and not fits:
        assert isinstance(result, OverflowError) and 'Reducer.' in str(result) \
            and 'does not fit in int64' in str(result), (where, key, result)
        return
    assert type(result) is typ, (where, key, result, typ)
    if typ is np.ndarray:
        assert result.dtype == np.int64 and result.tolist() == value, (where, key, result, value)
    else:
        assert result == value, (where, key, result, value)


def check_exact(results, ks, where, sec):
    """The results of Worker.exact over the elements numbered ks: exact Python ints
    over a whole collection, NumPy int64 where charm4py gives those (lists; a
    section's numbers), which raise OverflowError when they do not fit."""
    n = len(ks)
    num = (lambda whole, section: section if sec else whole)
    want(results['big'], sum(BIG + k for k in ks), num(int, np.int64), where, 'big')
    want(results['negative'], sum(-BIG - 1 - k for k in ks), num(int, np.int64), where, 'negative')
    want(results['list'], [n * (BIG // 8), -n * (BIG // 8), sum(ks)], np.ndarray, where, 'list')
    want(results['big_list'], [n * BIG, n], np.ndarray, where, 'big_list')
    if sec:
        want(results['tuple'], [n * (BIG + 1)], np.ndarray, where, 'tuple')
    else:  # one value: a Python int, exact past int64
        want(results['tuple'], n * (BIG + 1), int, where, 'tuple')
    want(results['product'], 2 ** (40 * n), num(int, np.int64), where, 'product')
    mixed = 1
    for k in ks:
        mixed *= 1.5 if k % 2 else 3
    floats = any(k % 2 for k in ks)  # ints and floats mixed as Python does
    want(results['mixed_product'], mixed, num(float, np.float64) if floats else num(int, np.int64),
         where, 'mixed_product')
    want(results['max'], BIG + max(ks), num(int, np.int64), where, 'max')
    want(results['min'], -BIG - max(ks), num(int, np.int64), where, 'min')
    want(results['truth'], ks == (0,), num(int, np.bool_), where, 'truth')
    want(results['any'], True, num(int, np.bool_), where, 'any')
    want(results['float'], 0.5 * n, num(float, np.float64), where, 'float')


def exact_data(k):
    """(key, data, reducer name) of Worker.exact's contributions."""
    return [
        ('big', BIG + k, 'sum'),                     # past int64 from 2 elements on
        ('negative', -BIG - 1 - k, 'sum'),
        ('list', [BIG // 8, -BIG // 8, k], 'sum'),   # exact int64 values
        ('big_list', [BIG, 1], 'sum'),               # past int64: OverflowError
        ('tuple', (BIG + 1,), 'sum'),
        ('product', 1 << 40, 'product'),             # Python's product: exact
        ('mixed_product', 1.5 if k % 2 else 3, 'product'),
        ('max', BIG + k, 'max'),
        ('min', -BIG - k, 'min'),
        ('truth', 0.0 if k else 2, 'logical_and'),   # floats and ints as truth values
        ('any', k == 0 or k, 'logical_or'),
        ('float', 0.5, 'sum'),
    ]


class Worker(Chare):

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    def arrays(self, fs, section=None):
        k = self.k()
        for (tc, name), f in fs.items():
            self.contribute(array.array(tc, values_for(tc, name, k)), getattr(Reducer, name), f,
                            section=section)

    def exact(self, fs, section=None):
        for key, data, name in exact_data(self.k()):
            self.contribute(data, getattr(Reducer, name), fs[key], section=section)

    @coro
    def allreduce_arrays(self, ks, section=None):
        k = self.k()
        fs = {(tc, name): self.allreduce(array.array(tc, values_for(tc, name, k)), getattr(Reducer, name),
                                         section=section)
              for tc in TYPECODES for name in REDUCERS}
        for (tc, name), f in fs.items():
            check_array_result(f.get(), tc, name, ks, 'allreduce')
        return True

    @coro
    def allreduce_exact(self, ks, section=None):
        fs = {key: self.allreduce(data, getattr(Reducer, name), section=section)
              for key, data, name in exact_data(self.k())}
        check_exact({key: outcome(f) for key, f in fs.items()}, ks, 'allreduce', section is not None)
        try:
            self.allreduce(1 << 64, Reducer.sum, section=section)
        except OverflowError as e:
            assert 'Reducer.sum' in str(e), e
        else:
            raise AssertionError('an int beyond 64 bits must be refused')
        assert self.allreduce(section=section).get() is None  # the refusal used no number
        return True

    # --- mismatches on one PE: elements 0 and 1 of an Array(2 * numPes) ---------
    def mismatch_first(self, f):
        self.pending = self.allreduce(np.ones((2, 3)), Reducer.sum)
        self.contribute(np.ones((2, 3)), Reducer.sum, f)

    def mismatch_second(self, f):
        """Each refused contribution raises, naming the reduction and both sides,
        and changes nothing: the right one is accepted afterwards."""
        bad_allreduces = [
            (np.ones((3, 2)), 'Reducer.sum of a NumPy float64 array of shape (3, 2)'),
            (np.ones((2, 3), dtype=np.int64), 'Reducer.sum of a NumPy int64 array of shape (2, 3)'),
            (array.array('d', [1.0] * 6), "Reducer.sum of an array.array('d') of length 6"),
            ([1.0] * 6, 'Reducer.sum of a list of 6 floats'),
            (np.ones(6), 'Reducer.sum of a NumPy float64 array of shape (6,)'),
        ]
        for data, words in bad_allreduces:
            try:
                self.allreduce(data, Reducer.sum)
            except ValueError as e:
                assert words in str(e) and 'of shape (2, 3)' in str(e), e
            else:
                raise AssertionError('allreduce of %r after a (2, 3) array must be refused' % (data,))
        self.pending = self.allreduce(np.ones((2, 3)), Reducer.sum)
        for data in (np.ones((3, 2)), np.ones(6, dtype=np.float32)):
            try:
                self.contribute(data, Reducer.sum, f)
            except ValueError as e:
                assert 'cannot combine Reducer.sum of a NumPy float64 array of shape (2, 3)' in str(e), e
            else:
                raise AssertionError('contribute of %r after a (2, 3) array must be refused' % (data,))
        self.contribute(np.ones((2, 3)), Reducer.sum, f)

    def mismatch_rest(self, f):
        if self.k() > 1:
            self.pending = self.allreduce(np.ones((2, 3)), Reducer.sum)
            self.contribute(np.ones((2, 3)), Reducer.sum, f)

    def mismatch_kinds_first(self, f):
        self.contribute(3, Reducer.sum, f['int'])
        self.contribute([1, 2, 3], Reducer.max, f['list'])

    def mismatch_kinds_second(self, f):
        for data, reducer, key, words in (
                (2.5, Reducer.sum, 'int', 'Reducer.sum of a float'),
                ([1, 2], Reducer.sum, 'int', 'Reducer.sum of a list of 2 ints'),
                (2 ** 63, Reducer.sum, 'int', 'does not fit in 64 bits'),
                (None, Reducer.sum, 'int', 'Reducer.sum of a NoneType (combined in Python)'),
                (4, Reducer.sum, 'int', None),
                ([1, 2], Reducer.max, 'list', 'Reducer.max of a list of 2 ints'),
                ([1.0, 2.0, 3.0], Reducer.max, 'list', 'Reducer.max of a list of 3 floats'),
                (3, Reducer.max, 'list', 'Reducer.max of an int'),
                ([3, 2, 1], Reducer.max, 'list', None)):
            if words is None:  # the right one, accepted after the refusals
                self.contribute(data, reducer, f[key])
                continue
            try:
                self.contribute(data, reducer, f[key])
            except (ValueError, OverflowError) as e:
                assert words in str(e), e
            else:
                raise AssertionError('contribute of %r must be refused' % (data,))

    def mismatch_kinds_rest(self, f):
        if self.k() > 1:
            self.contribute(self.k(), Reducer.sum, f['int'])
            self.contribute([0, 0, 0], Reducer.max, f['list'])

    @coro
    def pending_result(self):
        return self.pending.get().tolist()


def run_all(proxy, ks, section=None, where=''):
    """Every case over `proxy` (elements numbered ks), with contribute and allreduce."""
    fs = {(tc, name): Future() for tc in TYPECODES for name in REDUCERS}
    proxy.arrays(fs, section)
    for (tc, name), f in fs.items():
        check_array_result(f.get(), tc, name, ks, where)
    fs = {key: Future() for key, _, _ in exact_data(0)}
    proxy.exact(fs, section)
    check_exact({key: outcome(f) for key, f in fs.items()}, ks, where, section is not None)
    assert proxy.allreduce_arrays(ks, section, ret=True).get() == [True] * len(ks), where
    assert proxy.allreduce_exact(ks, section, ret=True).get() == [True] * len(ks), where


@case
def python_combine_refuses_mismatched_contributions(_pair):
    """Data combined in Python at the root: the same checks, and Python's arithmetic."""
    for values, words in (
            ([['a', 'b'], ['c']], 'Reducer.sum: contributions have different lengths 2 and 1'),
            ([np.array([1], dtype=object), np.array([[1]], dtype=object)],
             'Reducer.sum: contributions have different shapes (1,) and (1, 1)'),
            ([['a'], 'b'], 'Reducer.sum: contributions of different kinds: a list of length 1 and a str'),
            ([array.array('u', 'ab'), array.array('u', 'a')], 'different lengths 2 and 1')):
        try:
            reduction.combine(Reducer.sum, values)
        except ValueError as e:
            assert words in str(e), e
        else:
            raise AssertionError('combining %r must be refused' % (values,))


@case
def python_combine_follows_python_arithmetic(_pair):
    assert reduction.combine(Reducer.sum, [['a', 'b'], ['c', 'd']]) == ['ac', 'bd']
    assert reduction.combine(Reducer.product, [3, 2 ** 70, 0.5]) == 3 * 2 ** 69
    assert reduction.combine(Reducer.max, [(1, 'z'), (2, 'a')]) == (2, 'z')


@case
def numeric_form_chooses_the_c_path_and_refuses_ints_past_64_bits(_pair):
    # which data goes the C path, and how it is described
    assert reduction.numeric_form(Reducer.sum, array.array('q', [1]))[2] == \
        b"Reducer.sum of an array.array('q') of length 1"
    assert reduction.numeric_form(Reducer.sum, array.array('u', 'x')) is None
    assert reduction.numeric_form(Reducer.product, 3) is None     # exact in Python
    assert reduction.numeric_form(Reducer.product, np.ones(2)) is not None
    assert reduction.numeric_form(Reducer.sum, np.ones(2, dtype=np.float16)) is None
    for big in (1 << 63, [1, -(1 << 63) - 1]):
        try:
            reduction.numeric_form(Reducer.max, big)
        except OverflowError as e:
            assert 'Reducer.max' in str(e) and 'does not fit in 64 bits' in str(e), e
        else:
            raise AssertionError('%r must be refused' % (big,))


@case
def group_reductions_exact(_pair):
    run_all(Group(Worker), tuple(range(charm.numPes())), where='group')


@case
def array_and_section_reductions_exact(_pair):
    n = charm.numPes()
    for size in (1, 2 * n + 3):
        a = Array(Worker, size)
        run_all(a, tuple(range(size)), where='array of %d' % size)
        sec = a[::2]
        run_all(sec, tuple(range(0, size, 2)), section=sec, where='section of an array of %d' % size)


# The two cases below share `pair` (Array(Worker, 2 * numPes): elements 0 and 1 on
# PE 0), in this order: the second one's reductions follow the first one's.
@case
def mismatched_shapes_refused_on_one_pe_then_accepted(pair):
    n = charm.numPes()
    a = pair
    f = Future()
    a[0].mismatch_first(f, awaitable=True).get()
    a[1].mismatch_second(f, awaitable=True).get()
    a.mismatch_rest(f, awaitable=True).get()
    assert np.array_equal(f.get(), np.full(6, 2.0 * n))  # flattened, as charm4py gives it
    assert a.pending_result(ret=True).get() == [[2.0 * n] * 6] * (2 * n)


@case
def mismatched_kinds_refused_on_one_pe_then_accepted(pair):
    n = charm.numPes()
    a = pair
    f = {'int': Future(), 'list': Future()}
    a[0].mismatch_kinds_first(f, awaitable=True).get()
    a[1].mismatch_kinds_second(f, awaitable=True).get()
    a.mismatch_kinds_rest(f, awaitable=True).get()
    assert f['int'].get() == 7 + sum(range(2, 2 * n))
    assert f['list'].get().tolist() == [3, 2, 3]


def main(args):
    # refused contributions on one PE (elements 0 and 1 share PE 0)
    run_cases(Array(Worker, 2 * charm.numPes()))


charm.start(main)
