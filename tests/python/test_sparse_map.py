# Sparse arrays placed by an ArrayMap: Array(cls, ndims=n, map=m) puts every element
# inserted without onPE on the PE m's procNum(index) names (inserted from main and
# from chares on every PE), ckInsert(onPE=p) still wins over the map, and calls
# reach every element, also when sent right after ckInsert (before it exists), from
# other PEs, through proxies sent around, and after the element migrated.
# Broadcasts and reductions after ckDoneInserting cover exactly the inserted
# elements; a 2-d mapped sparse array; a sparse array created on another PE
# (charm.thisProxy[pe].createArray) than its map; dense and sparse arrays created
# and called on a PE that the creation of their map has not reached yet.
from charmpy import charm, Chare, Group, Array, ArrayMap, Reducer, Future, coro

from cases import case, run_cases


class ByFirst(ArrayMap):
    """Element (i, ...) on PE i mod numPes (negative indices too)."""

    def procNum(self, index):
        return index[0] % charm.numPes()


class BySum(ArrayMap):

    def procNum(self, index):
        return (index[0] + 2 * index[1]) % charm.numPes()


class Cell(Chare):

    def __init__(self, tag):
        self.tag = tag
        self.built_on = charm.myPe()
        self.pings = 0

    def ping(self):
        self.pings += 1

    def where(self):
        return (self.thisIndex, self.built_on, charm.myPe(), self.pings, self.tag)

    def move_to(self, pe):
        self.migrate(pe)

    def total(self, f):
        self.contribute(self.tag, Reducer.sum, f)

    def indices(self, f):
        self.contribute(self.thisIndex, Reducer.gather, f)


class Inserter(Chare):

    def fill(self, cells, count):
        me = charm.myPe()
        for k in range(count):
            idx = 1000 * (me + 1) + k
            cells.ckInsert(idx, args=[idx])
            cells[idx].ping()       # before the element exists: waits for it

    @coro
    def ask(self, cells, index):
        return cells[index].where(ret=True).get()


def check_placement(infos, pe_of):
    for index, built_on, now_on, pings, tag in infos:
        assert built_on == pe_of(index), (index, built_on, pe_of(index))
        assert now_on == built_on, (index, now_on)


@case
def elements_inserted_from_main_placed_by_the_map(n):
    cells = Array(Cell, ndims=1, map=Group(ByFirst))
    indices = list(range(-3, 2 * n + 3))
    for i in indices:
        cells.ckInsert(i, args=[i])
        cells[i].ping()
    cells.ckDoneInserting()
    infos = cells.where(ret=True).get()
    assert sorted(info[0] for info in infos) == [(i,) for i in indices]
    check_placement(infos, lambda index: index[0] % n)
    assert all(pings == 1 for _, _, _, pings, _ in infos), infos
    for i in indices:
        assert cells[i].where(ret=True).get()[1] == i % n
    f = Future()
    cells.total(f)
    assert f.get() == sum(indices)


@case
def elements_inserted_from_every_pe_placed_by_the_map(n):
    cells = Array(Cell, ndims=1, map=Group(ByFirst))
    inserters = Group(Inserter)
    inserters.fill(cells, 3, awaitable=True).get()
    cells.ckDoneInserting()
    infos = cells.where(ret=True).get()
    expected = sorted((1000 * (pe + 1) + k,) for pe in range(n) for k in range(3))
    assert sorted(info[0] for info in infos) == expected
    check_placement(infos, lambda index: index[0] % n)
    assert all(pings == 1 for _, _, _, pings, _ in infos), infos
    # asked from every PE (the proxy travels pickled, with its map)
    for pe in range(n):
        got = inserters[pe].ask(cells, expected[pe % len(expected)][0], ret=True).get()
        assert got[1] == expected[pe % len(expected)][0] % n


@case
def ck_insert_on_pe_wins_over_the_map(n):
    cells = Array(Cell, ndims=1, map=Group(ByFirst))
    for i in range(2 * n):
        if i % 2:
            cells.ckInsert(i, args=[i], onPE=(i + 1) % n)   # not where the map says (n > 1)
        else:
            cells.ckInsert(i, args=[i])
        cells[i].ping()
    cells.ckDoneInserting()
    infos = cells.where(ret=True).get()
    check_placement(infos, lambda index: (index[0] + index[0] % 2) % n)
    assert all(pings == 1 for _, _, _, pings, _ in infos), infos


@case
def calls_reach_mapped_elements_after_migration(n):
    cells = Array(Cell, ndims=1, map=Group(ByFirst))
    for i in range(n + 1):
        cells.ckInsert(i, args=[1])
    cells.ckDoneInserting()
    charm.awaitCreation(cells)
    for i in range(n + 1):
        cells[i].move_to((i + 1) % n)
    charm.waitQD()
    for i in range(n + 1):
        cells[i].ping()
    charm.waitQD()
    infos = cells.where(ret=True).get()
    for index, built_on, now_on, pings, _ in infos:
        assert built_on == index[0] % n and now_on == (index[0] + 1) % n, infos
        assert pings == 1
    f = Future()
    cells.total(f)
    assert f.get() == n + 1


@case
def two_dimensional_sparse_array_placed_by_the_map(n):
    cells = Array(Cell, ndims=2, map=Group(BySum))
    indices = [(i, j) for i in range(3) for j in range(-1, 2)]
    for index in indices:
        cells.ckInsert(index, args=[1])
    cells.ckDoneInserting()
    infos = cells.where(ret=True).get()
    check_placement(infos, lambda index: (index[0] + 2 * index[1]) % n)
    f = Future()
    cells.indices(f)
    assert f.get() == sorted(indices)


@case
def sparse_array_created_on_another_pe_than_main(n):
    m = Group(ByFirst)
    cells = charm.thisProxy[n - 1].createArray(Cell, ndims=1, map=m, ret=True).get()
    for i in range(2 * n):
        cells.ckInsert(i, args=[i])
        cells[i].ping()
    cells.ckDoneInserting()
    infos = cells.where(ret=True).get()
    check_placement(infos, lambda index: index[0] % n)
    assert all(pings == 1 for _, _, _, pings, _ in infos), infos


class ToZero(ArrayMap):

    def procNum(self, index):
        return 0


class User(Chare):
    """Creates and uses arrays with a map whose creation has not reached its PE yet."""

    def set_map(self, m):
        self.m = m

    @coro
    def build_and_use(self, sparse):
        if sparse:
            a = Array(Cell, ndims=1, map=self.m)
            for i in range(3):
                a.ckInsert(i, args=[i])
            a.ckDoneInserting()
        else:
            a = Array(Cell, 3, args=[0], map=self.m)
        return [a[i].where(ret=True).get()[1] for i in range(3)]


class MapMaker(Chare):

    @coro
    def make_and_hand_over(self, user, sparse):
        m = Group(ToZero)     # its creation starts from this PE, through this PE's queue...
        user.set_map(m)       # ...so this call can reach the user's PE before it does
        return user.build_and_use(sparse, ret=True).get()


@case
def arrays_created_where_their_map_has_not_arrived_yet(n):
    users, makers = Group(User), Group(MapMaker)
    charm.awaitCreation(users, makers)
    for sparse in (False, True):
        got = makers[1 % n].make_and_hand_over(users[2 % n], sparse, ret=True).get()
        assert got == [0, 0, 0], (sparse, got)


@case
def group_of_a_plain_chare_refused_as_a_map(n):
    try:
        Array(Cell, ndims=1, map=Group(Cell, args=[0]))
    except TypeError as e:
        assert 'ArrayMap' in str(e), e
    else:
        raise AssertionError('a group of a plain chare class was taken as a map')


def main(args):
    n = charm.numPes()
    run_cases(n)


charm.start(main)
