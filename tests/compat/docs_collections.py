# Doc page: collections-api.rst ("Chare Collections"). Behaviours asserted:
#  - Group: one element per PE, its index is its PE; Group(args=...) passes args to
#    every constructor; g[i] references element i;
#  - Group(onPEs=[...]) creates elements only on those PEs and returns a section proxy;
#    each element's thisProxy is that section proxy, and broadcasts and reductions
#    involve only those PEs;
#  - Array(dims=int) for 1-D; dims=(2, 3, ...) creates the product of the sizes, with
#    tuple indexes; args go to every constructor;
#  - Array(ndims=2) with no dims is empty: ckInsert(index, args, onPE) adds elements with
#    any (sparse) indexes, in any order, from any PE; onPE places the element; then
#    ckDoneInserting(); broadcasts reach exactly the inserted elements;
#  - ArrayMap: procNum(index) decides the initial PE of each element;
#  - group and array proxies can be sliced into sections.
from charmpy import charm, Chare, Group, Array, ArrayMap, Future, Reducer


class Member(Chare):

    def __init__(self, *args):
        self.args = args

    def info(self):
        return self.thisIndex, charm.myPe(), self.args

    def isSection(self, section):
        return self.thisProxy == section

    def count(self, future):
        self.reduce(future, 1, Reducer.sum)

    def insertFromHere(self, sparse, index):
        sparse.ckInsert(index, args=['from PE %d' % charm.myPe()])


class LastPeFirst(ArrayMap):

    def procNum(self, index):
        return (charm.numPes() - 1 - index[0]) % charm.numPes()


def main(args):
    n = charm.numPes()

    g = Group(Member, args=['g', 1])
    assert g.info(ret=True).get() == [(pe, pe, ('g', 1)) for pe in range(n)]
    assert g[n - 1].info(ret=True).get() == (n - 1, n - 1, ('g', 1))

    on = list(range(0, n, 2))
    sec = Group(Member, args=['some'], onPEs=on)
    assert sec.info(ret=True).get() == [(pe, pe, ('some',)) for pe in on]
    assert sec.isSection(sec, ret=True).get() == [True] * len(on)
    f = Future()
    sec.count(f)
    assert f.get() == len(on)

    a = Array(Member, 5, args=['a'])
    assert a.info(ret=True).get()[4][0] == (4,) and len(a.info(ret=True).get()) == 5
    a3 = Array(Member, (2, 3, 2))
    idx = [r[0] for r in a3.info(ret=True).get()]
    assert idx == [(i, j, k) for i in range(2) for j in range(3) for k in range(2)], idx

    sparse = Array(Member, ndims=2)
    sparse.ckInsert((7, 3), args=['late'], onPE=n - 1)
    sparse.ckInsert((-2, 40), onPE=0)
    a[0].insertFromHere(sparse, (100, 1), awaitable=True).get()
    sparse.ckDoneInserting()
    got = {r[0]: r for r in sparse.info(ret=True).get()}
    assert set(got) == {(7, 3), (-2, 40), (100, 1)}, got
    assert got[(7, 3)][1:] == (n - 1, ('late',))
    assert got[(-2, 40)][1:] == (0, ())
    assert got[(100, 1)][2][0].startswith('from PE')
    f = Future()
    sparse.count(f)
    assert f.get() == 3

    amap = Group(LastPeFirst)
    mapped = Array(Member, 2 * n, map=amap)
    assert [r[1] for r in mapped.info(ret=True).get()] == \
        [(n - 1 - i) % n for i in range(2 * n)]

    if n > 1:
        assert [r[0] for r in g[1::2].info(ret=True).get()] == list(range(1, n, 2))
    assert [r[0] for r in a3[0:1, 1:3, 1:2].info(ret=True).get()] == [(0, 1, 1), (0, 2, 1)]

    print('docs_collections: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
