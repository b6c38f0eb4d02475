# Sections as charm4py 1.1 programs use them (its charm.py, chare.py, sections.py,
# docs/sections.rst and tests/sections/*): charm.split with section_func as the third
# positional argument and elems in its forms (one section's indices given flat,
# lists, sets, ranges, tuples; of groups, arrays and combined sections); the issec
# and section attributes of proxies; a section's method as the callback of a
# reduction over the whole collection (and of quiescence detection); Group(onPEs=)
# proxies indexed by PE, their members' thisProxy, allreduce, awaitCreation;
# section allreduce; sections of sections (split of split/combine, slicing a
# section) with reductions; combined parts of one collection in index order;
# ckLocalBranch; section proxies sent in messages and used there.
import pickle

import numpy
from charm4py import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases


def odd(obj):
    idx = obj.thisIndex[0] if isinstance(obj.thisIndex, tuple) else obj.thisIndex
    return [0] if idx % 2 == 1 else []


def by_third(obj):
    return obj.thisIndex[0] % 3


def mygather(contribs):
    out = []
    for c in contribs:
        out += c
    return out


Reducer.addReducer(mygather)


class Test(Chare):

    def __init__(self):
        self.idx = self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex
        self.secProxies = {}
        self.got = []

    def getIdx(self):
        return self.thisIndex

    def setTest(self, future, expected):
        self.future = future
        self.expected = expected

    def recvSecProxy(self, proxy):
        self.secProxies[proxy.section[1]] = proxy

    def recvResult(self, result=None):
        if isinstance(result, numpy.ndarray):
            assert numpy.allclose(result, self.expected), (result, self.expected)
        else:
            assert result == self.expected, (self.thisIndex, result, self.expected)
        self.future.send(self.thisIndex)

    def contribute_to(self, data, reducer, cb, secProxy=None):
        if data == 'index':
            data = self.idx
        elif data == 'array':
            data = numpy.arange(10, dtype='float64') * self.idx
        elif data == 'list':
            data = [self.idx]
        self.contribute(data, reducer, cb, secProxy)

    def reduce_in(self, sid, f):
        # the proxy travelled here in a message; contribute over it
        self.contribute([self.thisIndex], Reducer.mygather, f, self.secProxies[sid])

    @coro
    def allreduce_in(self, secProxy, rounds):
        total = None
        for _ in range(rounds):
            total = self.allreduce(self.idx, Reducer.sum, section=secProxy).get()
        return total

    def local_branch_is_mine(self, group):
        return group.ckLocalBranch().thisIndex == charm.myPe()

    def proxy_attrs(self, secProxy):
        return (self.thisProxy.issec, hasattr(self.thisProxy, 'section'),
                secProxy.issec, secProxy.section)


class OnSome(Chare):

    def __init__(self, x):
        assert x == 4862
        self.x = x

    def getIdx(self):
        return self.thisIndex

    def isSection(self):
        return self.thisProxy.issec

    @coro
    def neighbourIdx(self, pes):
        # thisProxy is the section; indexing it reaches the other members
        return [self.thisProxy[pe].getIdx(ret=True).get() for pe in pes]

    @coro
    def gathered(self):
        return self.allreduce(self.thisIndex, Reducer.gather).get()

    def localX(self):
        return self.thisProxy.ckLocalBranch().x


class SlowStart(Chare):

    @coro
    def __init__(self):
        charm.sleep(0.02)
        self.ready = True

    def isReady(self):
        return self.ready


def members(section):
    return section.getIdx(ret=True).get()


@case
def split_with_positional_section_func(a, g, n):
    size = 2 * n + 5
    (odds,) = charm.split(a, 1, odd)
    assert members(odds) == [(i,) for i in range(1, size, 2)]
    thirds = charm.split(a, 3, by_third)
    assert [members(s) for s in thirds] == [[(i,) for i in range(size) if i % 3 == r] for r in range(3)]
    (godd,) = charm.split(g, 1, odd) if n > 1 else charm.split(g, 1, lambda obj: 0)
    assert members(godd) == (list(range(1, n, 2)) if n > 1 else [0])


@case
def split_accepts_every_elems_form(a, g, n):
    a2 = Array(Test, (3, 4))
    forms = [
        (a, 1, [1, 3], [[(1,), (3,)]]),                        # one section, ints given flat
        (a, 1, [(4,), (0,)], [[(0,), (4,)]]),                  # one section, tuples given flat
        (a, 1, [[2, 2, 1]], [[(1,), (2,)]]),                   # a list of one list; duplicates once
        (a, 2, [[0, 1], {2, 3}], [[(0,), (1,)], [(2,), (3,)]]),   # lists and sets
        (a, 2, [range(2), range(2, 4)], [[(0,), (1,)], [(2,), (3,)]]),   # ranges
        (a2, 1, [(0, 1), (2, 3)], [[(0, 1), (2, 3)]]),         # 2-d indices given flat
        (a2, 2, [[(0, 0)], [(1, 1), (2, 2)]], [[(0, 0)], [(1, 1), (2, 2)]]),
        (g, 1, [n - 1], [[n - 1]]),                            # group: PEs given flat
        (g, 1, range(n), [list(range(n))]),
        (g, 2, [[0], list(range(n))], [[0], list(range(n))]),
    ]
    for proxy, num, elems, expected in forms:
        sections = charm.split(proxy, num, elems=elems)
        got = [members(s) for s in sections]
        assert got == expected, (elems, got, expected)
    # elems of a combined section name elements by index, in every collection
    both = charm.combine(g, a)
    (zeros,) = charm.split(both, 1, elems=[0])
    assert members(zeros) == [0, (0,)]


@case
def proxies_have_issec_and_section_attributes(a, g, n):
    for proxy in (a, g, a[0], g[0]):
        assert proxy.issec is False and not hasattr(proxy, 'section'), proxy
    secs = [charm.split(a, 1, odd)[0], a[0:2], g[0:1], charm.combine(a, g),
            Group(OnSome, args=[4862], onPEs=[0])]
    for sec in secs:
        assert sec.issec is True, sec
        root, sid = sec.section
        assert isinstance(root, int) and 0 <= root < n
        # the same after travelling: equal and hash alike, usable as keys
        back = pickle.loads(pickle.dumps(sec))
        assert back.section == sec.section and back == sec and hash(back) == hash(sec)
        assert {sid: 1}[back.section[1]] == 1
    assert len({s.section for s in secs}) == len(secs)
    # on members: thisProxy of an array element is the array's, and the section
    # proxy received keeps its attributes
    attrs = secs[1].proxy_attrs(secs[1], ret=True).get()
    assert attrs == [(False, False, True, secs[1].section)] * 2, attrs


@case
def section_method_as_reduction_callback(a, g, n):
    size = 2 * n + 5
    (sec,) = charm.split(a, 1, odd)
    nmembers = len(range(1, size, 2))
    cases = [('index', Reducer.sum, sum(range(size))),
             ('array', Reducer.sum, numpy.arange(10, dtype='float64') * sum(range(size))),
             ('index', Reducer.max, size - 1),
             ('list', Reducer.mygather, list(range(size))),
             ('index', Reducer.gather, list(range(size))),
             (None, None, None)]
    for data, reducer, expected in cases:
        # over the whole array, the result broadcast to the section's members
        f = Future(nmembers)
        a.setTest(f, expected, awaitable=True).get()
        a.contribute_to(data, reducer, sec.recvResult)
        assert sorted(f.get()) == [(i,) for i in range(1, size, 2)], (data, reducer)
    # over the section itself, to its own method
    f = Future(nmembers)
    sec.setTest(f, sum(range(1, size, 2)), awaitable=True).get()
    sec.contribute_to('index', Reducer.sum, sec.recvResult, sec)
    assert len(f.get()) == nmembers
    # a reduction over a group to a section of an array
    f = Future(nmembers)
    a.setTest(f, sum(range(n)), awaitable=True).get()
    g.contribute_to('index', Reducer.sum, sec.recvResult)
    assert len(f.get()) == nmembers


@case
def section_method_as_quiescence_callback(a, g, n):
    (sec,) = charm.split(a, 1, odd)
    f = Future(len(sec))
    sec.setTest(f, None, awaitable=True).get()
    charm.startQD(sec.recvResult)
    assert len(f.get()) == len(sec)


@case
def group_on_some_pes_is_a_section_indexed_by_pe(a, g, n):
    pes = sorted({0, n - 1, n // 2})
    some = Group(OnSome, args=[4862], onPEs=pes)
    for pe in pes:
        assert some[pe].getIdx(ret=True).get() == pe
    assert some.getIdx(ret=2).get() == pes
    assert some.isSection(ret=True).get() == [True] * len(pes)
    assert some.neighbourIdx(pes, ret=True).get() == [pes] * len(pes)
    assert some.gathered(ret=True).get() == [pes] * len(pes)
    assert some.localX(ret=True).get() == [4862] * len(pes)
    # awaitCreation waits for the constructors of the members
    slow = Group(SlowStart, onPEs=pes)
    charm.awaitCreation(slow)
    assert slow.isReady(ret=True).get() == [True] * len(pes)
    others = [pe for pe in range(n) if pe not in pes]
    if others:
        try:
            some[others[0]]
        except IndexError:
            pass
        else:
            raise AssertionError('indexing a Group(onPEs=) proxy with a PE outside onPEs')


@case
def section_allreduces_alongside_a_group_allreduce(a, g, n):
    size = 2 * n + 5
    (sec,) = charm.split(a, 1, odd)
    f1 = sec.allreduce_in(sec, 20, ret=True)
    evens = g[::2]
    f2 = evens.allreduce_in(evens, 20, ret=True)
    f3 = g.allreduce_in(None, 20, ret=True)   # the whole group, at the same time
    assert f1.get() == [sum(range(1, size, 2))] * len(sec)
    assert f2.get() == [sum(range(0, n, 2))] * len(evens)
    assert f3.get() == [sum(range(n))] * n


def key_of(index):
    """A group index (an int) or an array index (a tuple) as one number."""
    return index if isinstance(index, int) else index[0]


@case
def sections_of_sections_reduce_over_their_members(a, g, n):
    size = 2 * n + 5
    thirds = charm.split(a, 3, by_third)
    both = charm.combine(thirds[0], thirds[1], g)
    # split a combined section with section_func, then split the result again;
    # members stay in section order (collections as combined, indices ascending)
    parts = charm.split(both, 2, lambda obj: 0 if obj.idx % 2 == 0 else 1)
    even_members = [(i,) for i in range(0, size, 2) if i % 3 != 2] + list(range(0, n, 2))
    assert members(parts[0]) == even_members, members(parts[0])
    (sub,) = charm.split(parts[0], 1, lambda obj: -1 if isinstance(obj.thisIndex, int) else 0)
    assert members(sub) == even_members[:-len(range(0, n, 2))]
    (subsub,) = charm.split(sub, 1, elems=[members(sub)[-1]])
    assert members(subsub) == [members(sub)[-1]]
    for section in (parts[0], parts[1], sub, subsub):
        expected = [key_of(i) for i in members(section)]
        f = Future()
        section.contribute_to('list', Reducer.mygather, f, section)
        assert sorted(f.get()) == sorted(expected), (f.get(), expected)
        f = Future()
        section.contribute_to(None, None, f, section)
        assert f.get() is None
        total = section.allreduce_in(section, 2, ret=True).get()
        assert total == [sum(expected)] * len(expected), (total, expected)
    # slicing section proxies: the slices select by the collection's own indices
    if n >= 3:
        assert members(g[::2][1:]) == list(range(2, n, 2))
    box = Array(Test, (4, 4))
    inner = box[1:4, 1:4]
    assert members(inner[2:, ::2]) == [(2, 2), (3, 2)]
    assert inner[2, 3].getIdx(ret=True).get() == (2, 3)


@case
def combined_parts_of_one_collection_in_index_order(a, g, n):
    # charm4py gathers ret=True and Reducer.gather results sorted by index
    both = charm.combine(a[4:6], a[0:2], a[1:3])
    assert members(both) == [(0,), (1,), (2,), (4,), (5,)]
    f = Future()
    both.contribute_to('index', Reducer.gather, f, both)
    assert f.get() == [0, 1, 2, 4, 5]


@case
def section_proxies_sent_in_messages_carry_reductions(a, g, n):
    sections = charm.split(a, 3, by_third) + [g[0:n:2]]
    for sec in sections:
        sec.recvSecProxy(sec, awaitable=True).get()
    futures = []
    for sec in sections:
        f = Future()
        sec.reduce_in(sec.section[1], f)
        futures.append((f, sorted(members(sec))))
    for f, expected in futures:
        assert sorted(f.get()) == expected


@case
def ck_local_branch_is_this_pes_member(a, g, n):
    assert g.ckLocalBranch().thisIndex == charm.myPe()
    assert g[::2].ckLocalBranch().thisIndex == charm.myPe()
    assert a.local_branch_is_mine(g, ret=True).get() == [True] * (2 * n + 5)
    assert g.local_branch_is_mine(g[0:n], ret=True).get() == [True] * n


def main(args):
    n = charm.numPes()
    a = Array(Test, 2 * n + 5)
    g = Group(Test)
    charm.awaitCreation(a, g)
    run_cases(a, g, n)


charm.start(main)
