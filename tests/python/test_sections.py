# Sections: slicing groups and arrays, charm.split (elems and section_func, also of a
# section), charm.combine over two collections, Group(onPEs=); broadcasts to
# sections (plain, ret=True in section order, awaitable), reductions over sections
# (every built-in reducer and a custom one with pre/post, on numbers, lists, tuples
# and NumPy arrays, gather in section order, allreduce,
# callbacks to futures and to a section's method), elements in several sections,
# and section broadcasts interleaved with collection broadcasts with replies.
import types

import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases


def parity(obj):
    return obj.thisIndex[0] % 2


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Member(Chare):

    def __init__(self):
        self.hits = []
        self.got = []

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    def hit(self, tag):
        self.hits.append(tag)

    def who(self):
        return (type(self).__name__, self.thisIndex)

    def hits_of(self):
        return self.hits

    def reduce_over(self, sec, f):
        k = self.k()
        self.contribute(k + 1, Reducer.sum, f['sum'], section=sec)
        self.contribute(np.array([k, 1.0]), Reducer.sum, f['array'], section=sec)
        self.contribute(k, Reducer.max, f['max'], section=sec)
        self.contribute(k >= 0, Reducer.logical_and, f['and'], section=sec)
        self.contribute(k % 3 + 1, Reducer.product, f['product'], section=sec)
        self.contribute(-k, Reducer.min, f['min'], section=sec)
        self.contribute(k == 0, Reducer.logical_or, f['or'], section=sec)
        self.contribute(True, Reducer.logical_xor, f['xor'], section=sec)
        self.contribute([k, 2 * k], Reducer.sum, f['list'], section=sec)
        self.contribute((k, -k), Reducer.max, f['tuple'], section=sec)
        self.contribute(np.full((2, 3), k, dtype=np.int16), Reducer.max, f['array2d'], section=sec)
        self.contribute([k], Reducer.concat_sorted, f['custom'], section=sec)
        self.contribute(self.thisIndex, Reducer.gather, f['gather'], section=sec)
        self.reduce(f['barrier'], section=sec)
        self.contribute(k, Reducer.sum, sec.collect, section=sec)   # to the section's method

    def count_in(self, sec, f):
        self.contribute(1, Reducer.sum, f, section=sec)

    def collect(self, total):
        self.got.append(total)

    def got_of(self):
        return self.got

    @coro
    def all_sum(self, sec):
        return self.allreduce(self.k(), Reducer.sum, section=sec).get()

    @coro
    def two_sections(self, a, b):
        fa = self.allreduce(1, Reducer.sum, section=a)
        fb = self.allreduce(1, Reducer.sum, section=b)
        return fa.get(), fb.get()


class Other(Chare):

    def __init__(self):
        self.hits = []

    def hit(self, tag):
        self.hits.append(tag)

    def who(self):
        return (type(self).__name__, self.thisIndex)

    def reduce_over(self, sec, f):
        self.contribute(100, Reducer.sum, f['sum'], section=sec)

    def count_in(self, sec, f):
        self.contribute(1, Reducer.sum, f, section=sec)


class OnSome(Chare):

    def __init__(self, base):
        self.base = base

    def where(self):
        return (charm.myPe(), self.base, isinstance(self.thisProxy, type(None)) is False)

    @coro
    def total(self):
        return self.allreduce(charm.myPe(), Reducer.sum).get()

    def via_this_proxy(self, f):
        self.thisProxy.ping(f)

    def ping(self, f):
        f.send(charm.myPe())


def concat_sorted(contributions):
    return sorted(x for part in contributions for x in part)


def negate_all(data, contributor):
    return [-x for x in data]


Reducer.addReducer(concat_sorted, pre=negate_all, post=tuple)
REDUCTION_NAMES = ['sum', 'array', 'max', 'and', 'product', 'min', 'or', 'xor', 'list', 'tuple',
                   'array2d', 'custom', 'gather', 'barrier']


def futures_for(names):
    return {name: Future() for name in names}


def run_reductions(sec, ks, indices):
    f = futures_for(REDUCTION_NAMES)
    sec.reduce_over(sec, f)
    product = 1
    for k in ks:
        product *= k % 3 + 1
    # charm4py's section types (NumPy's reduce): NumPy scalars, arrays of the
    # contributions' shape
    def typed(key, typ):
        got = f[key].get()
        check(type(got) is typ, 'section %s: %r is a %s, not a %s' % (key, got, type(got), typ))
        return got
    check(typed('product', np.int64) == product, 'section product')
    check(typed('min', np.int64) == -max(ks), 'section min')
    check(typed('or', np.bool_) == (0 in ks), 'section logical_or')
    check(typed('xor', np.bool_) == (len(ks) % 2 == 1), 'section logical_xor')
    check(typed('list', np.ndarray).tolist() == [sum(ks), 2 * sum(ks)], 'section list sum')
    check(f['list'].get().dtype == np.int64, 'section list of ints: int64')
    check(typed('tuple', np.ndarray).tolist() == [max(ks), -min(ks)], 'section tuple max')
    a2 = f['array2d'].get()
    check(a2.dtype == np.int16 and a2.shape == (2, 3) and (a2 == max(ks)).all(), 'section 2-d array max')
    check(f['custom'].get() == tuple(sorted(-k for k in ks)), 'section custom reducer with pre/post')
    check(typed('sum', np.int64) == sum(k + 1 for k in ks), 'section sum')
    check(np.array_equal(f['array'].get(), np.array([sum(ks), float(len(ks))])), 'section array sum')
    check(typed('max', np.int64) == max(ks), 'section max')
    check(typed('and', np.bool_), 'section logical_and')
    check(f['gather'].get() == indices, 'section gather in section order: %r' % (f['gather'].get(),))
    check(f['barrier'].get() is None, 'section barrier')


# The cases share the collections created in main() and, in `shared`, the sections
# the earlier cases made (evens, first, rest, three): they run in this order, and
# section_method_as_reduction_callback counts the `collect` calls that
# split_by_elems_reductions_and_section_of_a_section made before it.
@case
def group_slice_broadcast_ret_order_and_reductions(g, a, m2, m3, shared):
    n = charm.numPes()
    shared.evens = evens = g[::2]
    pes = list(range(0, n, 2))
    check(evens.who(ret=True).get() == [('Member', pe) for pe in pes], 'group slice ret order')
    evens.hit('evens', awaitable=True).get()
    hits = g.hits_of(ret=True).get()
    check(hits == [['evens'] if pe % 2 == 0 else [] for pe in range(n)], 'group slice broadcast %r' % hits)
    run_reductions(evens, pes, pes)


@case
def array_box_slice_members_and_reduction(g, a, m2, m3, shared):
    n = charm.numPes()
    box = m2[0:2, 1:]
    box_idx = [(i, j) for i in range(2) for j in range(1, n + 1)]
    check(box.who(ret=True).get() == [('Other', ij) for ij in box_idx], 'array box slice')
    f = Future()
    box.reduce_over(box, {'sum': f})
    check(f.get() == 100 * len(box_idx), 'box reduction')
    check(len(box) == len(box_idx), 'len(section)')


@case
def slice_of_2d_array_reductions(g, a, m2, m3, shared):
    n = charm.numPes()
    box3 = [(i, j) for i in range(1, 3) for j in range(0, n + 2, 2)]
    run_reductions(m3[1:, ::2], [i for i, _ in box3], box3)   # a section of a 2-d array


# --- split with elems; sections of sections; split with section_func ---
@case
def split_by_elems_reductions_and_section_of_a_section(g, a, m2, m3, shared):
    n = charm.numPes()
    size = 2 * n + 3
    first, second = charm.split(a, 2, elems=[list(range(0, size, 3)), [i for i in range(size) if i % 3]])
    shared.first = first
    ks1 = list(range(0, size, 3))
    run_reductions(first, ks1, [(k,) for k in ks1])
    ks2 = [i for i in range(size) if i % 3]
    run_reductions(second, ks2, [(k,) for k in ks2])
    (sub,) = charm.split(second, 1, elems=[[ks2[-1], ks2[0]]])
    check(sub.who(ret=True).get() == [('Member', (ks2[0],)), ('Member', (ks2[-1],))], 'section of a section')


@case
def split_by_section_func(g, a, m2, m3, shared):
    size = 2 * charm.numPes() + 3
    odd_even = charm.split(a, 2, section_func=parity)
    check([s.who(ret=True).get() for s in odd_even] ==
          [[('Member', (k,)) for k in range(size) if k % 2 == p] for p in (0, 1)], 'split by section_func')


@case
def split_by_lambda_members_in_several_sections_or_none(g, a, m2, m3, shared):
    first = shared.first
    ks1 = list(range(0, 2 * charm.numPes() + 3, 3))
    # a lambda (shipped as code); members in several sections or none
    lam = charm.split(first, 3, section_func=lambda obj: [0, 2] if obj.thisIndex[0] == 3 else
                      (-1 if obj.thisIndex[0] == 0 else 1)) if len(ks1) > 2 else None
    if lam is not None:
        check([len(s) for s in lam] == [1, len(ks1) - 2, 1], 'lambda split sizes')
    try:
        charm.split(first, 2, section_func=lambda obj: 0)
    except ValueError:
        pass
    else:
        raise AssertionError('an empty section from section_func must be an error')
    three, rest = charm.split(first, 2, section_func=lambda obj: 0 if obj.thisIndex[0] == 3 else 1)
    shared.three, shared.rest = three, rest
    check(three.who(ret=True).get() == [('Member', (3,))], 'lambda split members')


@case
def section_allreduce_and_element_in_two_sections_in_flight(g, a, m2, m3, shared):
    first, three, rest = shared.first, shared.three, shared.rest
    ks1 = list(range(0, 2 * charm.numPes() + 3, 3))
    # --- allreduce over sections; elements in several sections at once ---
    total = sum(ks1)
    check(first.all_sum(first, ret=True).get() == [total] * len(ks1), 'section allreduce')
    again = charm.combine(rest, three)   # the same members as `first`, another section
    both = first.two_sections(first, again, ret=True).get()
    check(both == [(len(ks1), len(ks1))] * len(ks1), 'two sections in flight: %r' % (both,))


@case
def section_method_as_reduction_callback(g, a, m2, m3, shared):
    first = shared.first
    ks1 = list(range(0, 2 * charm.numPes() + 3, 3))
    total = sum(ks1)
    # --- a section's method as the reduction callback ---
    f = futures_for(REDUCTION_NAMES)
    first.reduce_over(first, f)
    for fut in f.values():
        fut.get()
    charm.waitQD()   # the section broadcasts of `collect` are in flight until quiescence
    got = first.got_of(ret=True).get()
    check(got == [[total, total]] * len(ks1), 'callback to section method (run twice): %r' % (got,))


@case
def combine_over_two_collections(g, a, m2, m3, shared):
    n = charm.numPes()
    evens = shared.evens
    pes = list(range(0, n, 2))
    # --- combine over two collections (two classes) ---
    mixed = charm.combine(evens, m2[2, :], evens)
    expect = [('Member', pe) for pe in pes] + [('Other', (2, j)) for j in range(n + 1)]
    check(mixed.who(ret=True).get() == expect, 'combined section ret order %r' % (mixed.who(ret=True).get(),))
    mixed.hit('mixed', awaitable=True).get()
    check(len(mixed) == len(expect), 'combined size')
    fs = Future()
    mixed.count_in(mixed, fs)
    check(fs.get() == len(expect), 'reduction over a combined section')


@case
def section_and_collection_broadcast_replies_interleaved(g, a, m2, m3, shared):
    first = shared.first
    size = 2 * charm.numPes() + 3
    ks1 = list(range(0, size, 3))
    # --- section broadcasts with replies interleaved with collection broadcasts ---
    futs = []
    for i in range(20):
        futs.append(first.who(ret=True))
        futs.append(a.who(ret=True))
    for i, fut in enumerate(futs):
        want = [('Member', (k,)) for k in (ks1 if i % 2 == 0 else range(size))]
        check(fut.get() == want, 'interleaved replies %d' % i)


@case
def group_on_some_pes_members_reduction_and_this_proxy(g, a, m2, m3, shared):
    n = charm.numPes()
    # --- Group(onPEs=) ---
    some = Group(OnSome, args=[7], onPEs=[n - 1, 0])
    on = sorted({0, n - 1})
    check(some.where(ret=True).get() == [(pe, 7, True) for pe in on], 'Group(onPEs) members')
    check(some.total(ret=True).get() == [sum(on)] * len(on), 'reduction over a group on some PEs')
    fp = Future(num_vals=len(on) * len(on))
    some.via_this_proxy(fp)
    values = fp.get() if len(on) > 1 else [fp.get()]
    check(sorted(values) == sorted(on * len(on)), 'thisProxy of a group on some PEs is its section')


@case
def bad_section_input_raises(g, a, m2, m3, shared):
    n = charm.numPes()
    size = 2 * n + 3
    # --- bad input ---
    for bad, what in ((lambda: charm.split(a, 2, elems=[[0], [size]]), 'not a member'),
                      (lambda: charm.split(a, 0, elems=[]), 'numsections'),
                      (lambda: Group(OnSome, args=[1], onPEs=[n]), 'onPEs out of range'),
                      (lambda: g[n:n + 2].who(), 'empty slice')):
        try:
            bad()
        except (ValueError, IndexError, TypeError):
            pass
        else:
            raise AssertionError('no error for ' + what)


def main(args):
    n = charm.numPes()
    g = Group(Member)
    a = Array(Member, 2 * n + 3)
    m2 = Array(Other, (3, n + 1))
    m3 = Array(Member, (3, n + 2))
    charm.awaitCreation(g, a, m2, m3)
    run_cases(g, a, m2, m3, types.SimpleNamespace())


charm.start(main)
