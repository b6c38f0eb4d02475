# Sections of a sparse array (LeanMD makes one over its 6-d compute array with
# charm.split(computes, 1, elems=[...])): no PE knows every inserted element, so the
# section's members are the indices named (elems) or those whose section_func says so,
# found where they live (split asks them, so it runs in a coroutine, as in charm4py).
# Before, split() over a sparse array found no member and refused every index.
from charm4py import charm, Chare, Array, Future, Reducer, coro

from cases import case, run_cases


class Cell(Chare):

    def __init__(self):
        self.hits = 0

    def hit(self, f):
        self.hits += 1
        self.reduce(f, self.thisIndex[0], Reducer.sum, section=self.section)

    def join(self, section):
        self.section = section

    def where(self):
        return self.thisIndex, charm.myPe()


@case
def split_by_elems_finds_members_where_they_live_and_reduces(cells, indices):
    n = charm.numPes()
    chosen = indices[::2]
    (sec,) = charm.split(cells, 1, elems=chosen)      # one section: indices given flat
    sec.join(sec, awaitable=True).get()
    f = Future()
    sec.hit(f)
    assert f.get() == sum(i for i, _ in chosen)
    assert sorted(sec.where(ret=True).get()) == sorted(
        (index, (indices.index(index) + 1) % n) for index in chosen)


@case
def split_by_section_func_asks_every_inserted_element(cells, indices):
    n = charm.numPes()
    # section_func, asked of every inserted element; two sections
    low, high = charm.split(cells, 2, lambda obj: 0 if obj.thisIndex[0] < charm.numPes() else 1)
    assert [i for i, _ in low.where(ret=True).get()] == indices[:n]
    assert [i for i, _ in high.where(ret=True).get()] == indices[n:]


@case
def elems_naming_an_index_twice_count_it_once(cells, indices):
    # elems naming an index twice counts it once
    (twice,) = charm.split(cells, 1, elems=[[indices[0], indices[0], indices[1]]])
    assert len(twice.where(ret=True).get()) == 2


@case
def index_never_inserted_refused(cells, indices):
    n = charm.numPes()
    try:
        charm.split(cells, 1, elems=[(5 * n, 0)])
        raise AssertionError('an index never inserted was accepted')
    except ValueError as e:
        assert 'was not inserted' in str(e), e


def main(args):
    n = charm.numPes()
    cells = Array(Cell, ndims=2)
    indices = [(i, 2 * i + 1) for i in range(3 * n)]
    for k, index in enumerate(indices):
        cells.ckInsert(index, onPE=(k + 1) % n)      # most live away from their home PE
    cells.ckDoneInserting()
    run_cases(cells, indices)


charm.start(main)
