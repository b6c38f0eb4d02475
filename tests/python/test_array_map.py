# Arrays placed by an ArrayMap: every element is constructed on the PE procNum
# names, calls from any PE (also through proxies sent to other PEs and through
# thisProxy) reach it there, and broadcast replies count every element once.
from charmpy import charm, Chare, Group, Array, ArrayMap, coro


class Reversed(ArrayMap):
    """Rows on PEs in reverse order (the default map goes forward)."""

    def procNum(self, index):
        return (charm.numPes() - 1 - index[0]) % charm.numPes()


class AllOnLast(ArrayMap):

    def procNum(self, index):
        return charm.numPes() - 1


class Cell(Chare):

    def __init__(self):
        self.born_on = charm.myPe()

    def where(self):
        assert self.born_on == charm.myPe()
        return charm.myPe()

    @coro
    def via_neighbour(self):
        ni, nj = self.thisProxy.dims
        i, j = self.thisIndex
        return self.thisProxy[(i + 1) % ni, j].where(ret=True).get()


class Caller(Chare):

    @coro
    def ask(self, cells, index):
        return cells[index].where(ret=True).get()



def main(args):
    n = charm.numPes()
    rev = Group(Reversed)
    last = Group(AllOnLast)
    a = Array(Cell, (2 * n + 1, 3), map=rev)
    b = Array(Cell, 5, map=last)
    expected_a = [(n - 1 - i) % n for i in range(2 * n + 1) for j in range(3)]
    assert a.where(ret=True).get() == expected_a
    assert b.where(ret=True).get() == [n - 1] * 5
    for i in range(2 * n + 1):
        assert a[i, 1].where(ret=True).get() == (n - 1 - i) % n
        # thisProxy inside an element follows the map too
        assert a[i, 1].via_neighbour(ret=True).get() == (n - 1 - (i + 1) % (2 * n + 1)) % n
    callers = Group(Caller)
    for pe in range(n):
        assert callers[pe].ask(a, (0, 2), ret=True).get() == n - 1
        assert callers[pe].ask(b, (4,), ret=True).get() == n - 1
    try:
        Array(Cell, 3, map=a)
        raise AssertionError('an array proxy is not a map')
    except TypeError:
        pass
    charm.exit(0)


charm.start(main)
