# Arrays placed by an ArrayMap: every element is constructed on the PE procNum
# names, calls from any PE (also through proxies sent to other PEs and through
# thisProxy) reach it there, and broadcast replies count every element once.
from charmpy import charm, Chare, Group, Array, ArrayMap, coro

from cases import case, run_cases


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


@case
def elements_are_constructed_where_the_map_places_them(a, b):
    n = charm.numPes()
    expected_a = [(n - 1 - i) % n for i in range(2 * n + 1) for j in range(3)]
    assert a.where(ret=True).get() == expected_a
    assert b.where(ret=True).get() == [n - 1] * 5


@case
def calls_to_an_element_reach_its_mapped_pe(a, b):
    n = charm.numPes()
    for i in range(2 * n + 1):
        assert a[i, 1].where(ret=True).get() == (n - 1 - i) % n


@case
def this_proxy_inside_an_element_follows_the_map(a, b):
    n = charm.numPes()
    for i in range(2 * n + 1):
        assert a[i, 1].via_neighbour(ret=True).get() == (n - 1 - (i + 1) % (2 * n + 1)) % n


@case
def proxies_sent_to_every_pe_reach_the_mapped_pe(a, b):
    n = charm.numPes()
    callers = Group(Caller)
    for pe in range(n):
        assert callers[pe].ask(a, (0, 2), ret=True).get() == n - 1
        assert callers[pe].ask(b, (4,), ret=True).get() == n - 1


@case
def array_proxy_is_refused_as_a_map(a, b):
    try:
        Array(Cell, 3, map=a)
        raise AssertionError('an array proxy is not a map')
    except TypeError:
        pass


def main(args):
    n = charm.numPes()
    rev = Group(Reversed)
    last = Group(AllOnLast)
    a = Array(Cell, (2 * n + 1, 3), map=rev)
    b = Array(Cell, 5, map=last)
    run_cases(a, b)


charm.start(main)
