# No message is dropped silently: a call to an element of a sparse array that was
# never inserted raises at the caller's future once ckDoneInserting has completed
# (a LookupError naming the class, the index and the method), whether the call was
# made before any insertion (it waited at the index's home), right after
# ckDoneInserting (while the count may still run) or after it; with ret=True and
# awaitable=True; from main and from chares on every PE (futures owned by them).
# Inserted elements keep answering. (The no-future case aborts the job:
# test_no_message_dropped_abort.py.)
from charmpy import charm, Chare, Group, Array, coro

from cases import case, run_cases


class Cell(Chare):

    def value(self):
        return self.thisIndex[0] * 10

    def poke(self):
        pass


def expect_missing(future, index, method):
    try:
        value = future.get()
    except LookupError as e:
        text = str(e)
        for part in ('Cell', '(%d,)' % index, method, 'never inserted'):
            assert part in text, (part, text)
    else:
        raise AssertionError('call %s to missing element %d returned %r' % (method, index, value))


class Prober(Chare):

    @coro
    def probe(self, cells):
        me = charm.myPe()
        expect_missing(cells[5000 + me].value(ret=True), 5000 + me, 'value')
        expect_missing(cells[6000 + me].poke(awaitable=True), 6000 + me, 'poke')
        assert cells[me % 8].value(ret=True).get() == (me % 8) * 10
        return me


# main() makes the calls whose timing matters (before any insertion, right after
# ckDoneInserting) and passes their futures in `pending`; the cases check them and
# then make later calls, in this order (the later ones after ckDoneInserting completed).
@case
def calls_made_before_any_insertion_raise_at_their_futures(cells, pending):
    for i, f in pending['early'].items():
        expect_missing(f, i, 'value')
    expect_missing(pending['early_poke'], 1005, 'poke')


@case
def calls_right_after_done_inserting_raise_at_their_futures(cells, pending):
    for i, f in pending['right_after'].items():
        expect_missing(f, i, 'value')


@case
def call_to_an_inserted_element_answers(cells, pending):
    assert pending['inserted'].get() == 30


@case
def calls_after_done_inserting_completed_raise_at_their_futures(cells, pending):
    charm.waitQD()
    for i in (3001, 3002, 3003, 3004, 3005):
        expect_missing(cells[i].value(ret=True), i, 'value')
    expect_missing(cells[3006].poke(awaitable=True), 3006, 'poke')


@case
def inserted_elements_keep_answering(cells, pending):
    assert cells[5].value(ret=True).get() == 50


@case
def calls_from_chares_on_every_pe_raise_at_their_futures(cells, pending):
    probers = Group(Prober)
    assert sorted(probers.probe(cells, ret=True).get()) == list(range(charm.numPes()))


def main(args):
    cells = Array(Cell, ndims=1)
    early = {i: cells[i].value(ret=True) for i in (1001, 1002, 1003, 1004)}   # wait at their homes
    early_poke = cells[1005].poke(awaitable=True)
    for i in range(8):
        cells.ckInsert(i)
    inserted = cells[3].value(ret=True)
    cells.ckDoneInserting()
    right_after = {i: cells[i].value(ret=True) for i in (2001, 2002, 2003, 2004)}
    run_cases(cells, {'early': early, 'early_poke': early_poke, 'inserted': inserted,
                      'right_after': right_after})


charm.start(main)
