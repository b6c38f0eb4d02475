# Collections created asynchronously from inside chares on any PE: a coroutine
# entry method on the last PE creates an array and a group, waits for both with
# charm.awaitCreation and uses them; a plain method creates an array and calls it
# at once (the calls wait for the creation on every PE); collections created on
# several PEs at the same time get distinct ids.
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro

from cases import case, run_cases


class Leaf(Chare):

    def __init__(self, base):
        self.base = base

    def value(self):
        return self.base + (self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex)

    def total(self, f):
        self.contribute(self.value(), Reducer.sum, f)


class Maker(Chare):

    @coro
    def build_and_use(self, size):
        a = Array(Leaf, size, args=[100])
        g = Group(Leaf, args=[10])
        charm.awaitCreation(a, g)
        fa, fg = Future(), Future()
        a.total(fa)
        g.total(fg)
        return fa.get(), fg.get(), charm.myPe()

    def build_and_call(self, size, f):
        a = Array(Leaf, size, args=[1])
        a.total(f)                      # sent before the elements exist anywhere
        return a

    def ids(self):
        return Array(Leaf, 1, args=[0])


@case
def coroutine_on_last_pe_creates_awaits_and_uses_collections(makers):
    n = charm.numPes()
    last = makers[n - 1]
    size = 2 * n + 1
    sa, sg, pe = last.build_and_use(size, ret=True).get()
    assert pe == n - 1
    assert sa == 100 * size + size * (size - 1) // 2, sa
    assert sg == 10 * n + n * (n - 1) // 2, sg


@case
def calls_made_right_after_creation_wait_for_the_elements(makers):
    n = charm.numPes()
    last = makers[n - 1]
    size = 2 * n + 1
    f = Future()
    last.build_and_call(size, f)
    assert f.get() == size + size * (size - 1) // 2


@case
def collections_created_at_once_on_several_pes_get_distinct_ids(makers):
    n = charm.numPes()
    proxies = makers.ids(ret=True).get()        # one array per PE, created at once
    assert len(set(proxies)) == n, proxies


def main(args):
    makers = Group(Maker)
    run_cases(makers)


charm.start(main)
