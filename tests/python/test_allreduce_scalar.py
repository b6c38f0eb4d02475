# Allreduce of one Python number (or of nothing) over a whole collection, which
# runs in C (_charmpy.allreduce_scalar: the Future made in C, the result decoded
# and handed to the PE's futures in C, Future.get waiting in C): arrays with 8
# elements per PE and with fewer elements than PEs give the Python path's values
# and types (floats, ints, exact int sums past 64 bits, None for no data), and
# what the C path declines still behaves as before (bools, products, logical
# reducers, ints past 64 bits, a group on some PEs whose results take section
# types, futures waited for with charm.wait/iwait, which take callbacks); elements
# that migrate between rounds still get every result; the futures are plain
# Futures that leave the live table once resolved.
import numpy as np
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro
from charmpy import futures as futures_module

from cases import case, run_cases


class Member(Chare):

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    @coro
    def rounds(self, n, rounds):
        """Several reductions back to back: returns what each gave."""
        k = self.k()
        out = []
        for r in range(rounds):
            out.append(self.allreduce(k + 0.5 * r, Reducer.sum).get())
            out.append(self.allreduce(k * (r + 1), Reducer.sum).get())
            out.append(self.allreduce(float(k), Reducer.max).get())
            out.append(self.allreduce(-k, Reducer.min).get())
            out.append(self.allreduce().get())
        return out

    @coro
    def big_ints(self):
        k = self.k()
        big = self.allreduce((1 << 62) + k, Reducer.sum).get()
        neg = self.allreduce(-(1 << 63), Reducer.sum).get()
        low = self.allreduce(-(1 << 63) + k, Reducer.min).get()
        try:
            self.allreduce(1 << 64, Reducer.sum)
        except OverflowError:
            refused = True
        else:
            refused = False
        after = self.allreduce(1, Reducer.sum).get()  # the refusal used no number
        return big, neg, low, refused, after

    @coro
    def declined(self):
        """Data the C path does not take: the Python path's results."""
        k = self.k()
        return (self.allreduce(k % 2 == 0, Reducer.sum).get(),
                self.allreduce(1.5, Reducer.product).get(),
                self.allreduce(float(k), Reducer.logical_or).get(),
                self.allreduce(k, Reducer.logical_and).get())

    @coro
    def futures_state(self):
        f = self.allreduce(1.0, Reducer.sum)
        assert type(f) is Future
        value = f.get()
        assert f.ready() and f.get() == value
        assert f.fid not in futures_module._live, 'a resolved allreduce future stayed live'
        # Waited for with charm.wait / iwait (which take callbacks).
        fs = [self.allreduce(2.0, Reducer.sum), self.allreduce(3, Reducer.max)]
        charm.wait(fs)
        waited = [f.get() for f in fs]
        fs = [self.allreduce(4.0, Reducer.min)]
        got = [f.get() for f in charm.iwait(fs)]
        return value, waited, got

    @coro
    def then_move(self, rounds):
        """Allreduces, migrating to the next PE after each (the elements that
        moved contribute away from home)."""
        out = []
        for r in range(rounds):
            out.append(self.allreduce(self.k() + r * 1.0, Reducer.sum).get())
            self.thisProxy[self.thisIndex].move(r, awaitable=True).get()
            out.append(self.allreduce(r, Reducer.max).get())
        return out, charm.myPe()

    def move(self, r):
        if (self.k() + r) % 2 == 0:
            self.migrate((charm.myPe() + 1) % charm.numPes())

    @coro
    def section_typed(self):
        return self.allreduce(2.5, Reducer.sum).get(), self.allreduce(3, Reducer.max).get()


def expected_rounds(size, rounds):
    ks = range(size)
    out = []
    for r in range(rounds):
        out += [sum(k + 0.5 * r for k in ks), sum(k * (r + 1) for k in ks), float(size - 1),
                -(size - 1), None]
    return out


def check_same_for_all(results, expected):
    for got in results:
        assert got == expected, (got, expected)
        for g, e in zip(got, expected):
            assert type(g) is type(e), (g, e)


@case
def rounds_of_numbers_8_per_pe(g):
    size = 8 * charm.numPes()
    a = Array(Member, size)
    charm.awaitCreation(a)
    check_same_for_all(a.rounds(size, 4, ret=True).get(), expected_rounds(size, 4))


@case
def rounds_of_numbers_fewer_elements_than_pes(g):
    size = max(1, charm.numPes() - 1)
    a = Array(Member, size)
    charm.awaitCreation(a)
    check_same_for_all(a.rounds(size, 3, ret=True).get(), expected_rounds(size, 3))


@case
def int_sums_stay_exact_past_64_bits(g):
    size = 8 * charm.numPes()
    a = Array(Member, size)
    charm.awaitCreation(a)
    ks = range(size)
    want = (sum((1 << 62) + k for k in ks), size * -(1 << 63), -(1 << 63), True, size)
    for got in a.big_ints(ret=True).get():
        assert got == want, (got, want)
        assert all(type(x) is type(w) for x, w in zip(got, want))


@case
def declined_data_gives_the_python_path_results(g):
    size = 8 * charm.numPes()
    a = Array(Member, size)
    charm.awaitCreation(a)
    want = (sum(1 for k in range(size) if k % 2 == 0), 1.5 ** size, 1, 0)
    for got in a.declined(ret=True).get():
        assert got == want, (got, want)
        assert [type(x) for x in got] == [int, float, int, int], got


@case
def futures_are_plain_and_leave_the_live_table(g):
    size = 8 * charm.numPes()
    a = Array(Member, size)
    charm.awaitCreation(a)
    for got in a.futures_state(ret=True).get():
        assert got == (float(size), [2.0 * size, 3], [4.0]), got


@case
def elements_that_migrate_between_rounds(g):
    n = charm.numPes()
    size = 4 * n
    a = Array(Member, size)
    charm.awaitCreation(a)
    rounds = 3
    results = a.then_move(rounds, ret=True).get()
    want = []
    for r in range(rounds):
        want += [sum(k + r * 1.0 for k in range(size)), r]
    for got, pe in results:
        assert got == want, (got, want)


@case
def group_on_some_pes_takes_section_types(g):
    n = charm.numPes()
    pes = list(range(0, n, 2))
    grp = Group(Member, onPEs=pes)
    charm.awaitCreation(grp)
    got = grp.section_typed(ret=True).get()
    for total, top in got:
        assert total == 2.5 * len(pes) and type(total) is np.float64, (total, type(total))
        assert top == 3 and type(top) is np.int64, (top, type(top))


def main(args):
    run_cases(None)


charm.start(main)
