# Doc page: sections.rst ("Sections: Split, Slice and Combine Collections"). Behaviours:
#  - charm.split(proxy, k, section_func) returns k section proxies; section_func(obj)
#    runs where the element lives and returns the list of its sections (an element may
#    be in several; a negative number or an empty list: in none);
#  - charm.split(proxy, k, elems=[[indexes], ...]);
#  - slicing: g[::2] for groups (the same section as a split by even PE);
#    a[0:2, 1:3] for 2-D arrays;
#  - broadcasts through a section proxy reach exactly its members (awaitable waits for
#    all of them); contribute(1, Reducer.sum, future, secProxy) reduces over the section
#    (4 for a row of a 4 x 4 array);
#  - charm.combine(*proxies) makes one section of several collections (of different
#    types with the same method), for broadcasts and reductions, and can be split.
from charmpy import charm, Chare, Group, Array, Future, Reducer


class Test(Chare):

    def __init__(self):
        self.hits = 0

    def sayHi(self):
        self.hits += 1
        return self.thisIndex

    def hits_(self):
        return self.hits

    def recvSecProxies(self, proxies):
        self.secProxy = proxies[row(self)]

    def doreduction(self, future):
        self.contribute(1, Reducer.sum, future, self.secProxy)

    def reduceOver(self, section, future):
        self.reduce(future, 1, Reducer.sum, section=section)


class Other(Chare):

    def sayHi(self):
        return ('other', self.thisIndex)

    def reduceOver(self, section, future):
        self.reduce(future, 1, Reducer.sum, section=section)


def even_pe(obj):
    return [0] if obj.thisIndex % 2 == 0 else []


def row(obj):
    return obj.thisIndex[0]


def parity_and_all(obj):
    # in section 2 always; in section thisIndex[1] % 2 too; element (0, 0) in none else
    if obj.thisIndex == (3, 3):
        return -1
    return [obj.thisIndex[1] % 2, 2]


def main(args):
    n = charm.numPes()
    g = Group(Test)
    by_func = charm.split(g, 1, even_pe)[0]
    by_slice = g[::2]
    assert sorted(by_func.sayHi(ret=True).get()) == list(range(0, n, 2))
    assert sorted(by_slice.sayHi(ret=True).get()) == list(range(0, n, 2))

    a = Array(Test, (4, 4))
    rows = charm.split(a, 4, row)
    a.recvSecProxies(rows, awaitable=True).get()
    f = Future()
    rows[0].doreduction(f)
    assert f.get() == 4

    multi = charm.split(a, 3, parity_and_all)
    sizes = []
    for s in multi:
        f = Future()
        s.reduceOver(s, f)
        sizes.append(f.get())
    assert sizes == [8, 7, 15], sizes

    by_elems = charm.split(a, 2, elems=[[(0, 0), (1, 1)], [(2, 2), (3, 3), (0, 3)]])
    assert sorted(by_elems[1].sayHi(ret=True).get()) == [(0, 3), (2, 2), (3, 3)]
    assert sorted(a[0:2, 1:3].sayHi(ret=True).get()) == [(0, 1), (0, 2), (1, 1), (1, 2)]

    a1 = Array(Test, (4, 4))
    a2 = Array(Other, (4, 4))
    combined = charm.combine(a1, a2)
    combined.sayHi(awaitable=True).get()
    assert a1.hits_(ret=True).get() == [1] * 16
    f = Future()
    combined.reduceOver(combined, f)
    assert f.get() == 32
    cross = charm.split(combined, 4, row)
    futures = [s.sayHi(awaitable=True) for s in cross]
    charm.wait(futures)
    assert a1.hits_(ret=True).get() == [2] * 16
    f = Future()
    cross[2].reduceOver(cross[2], f)
    assert f.get() == 8

    print('docs_sections: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
