# Doc page: profiling.rst ("Profiling"). Behaviours asserted (the ctest greps the
# output): with charm.options.profiling = True set before charm.start(),
#  - charm.printStats() prints timings for the PE where it is called ("Timings for
#    PE 0"), per chare type, one row per remote method invoked through a proxy, in
#    the columns em / send / recv / total, then message statistics ("Messages sent",
#    "Messages received");
#  - charm.thisProxy[pe].printStats(awaitable=True).get() prints another PE's and waits;
#  - methods called locally (not through a proxy) get no row of their own.
from charmpy import charm, Chare, Array

charm.options.profiling = True


class Cell(Chare):

    def run(self, steps):
        total = 0
        for i in range(steps):
            total += self.helperCalledLocally(i)
        return total

    def helperCalledLocally(self, i):
        return i * i


def main(args):
    n = charm.numPes()
    cells = Array(Cell, 2 * n)
    assert cells.run(1000, ret=True).get() == [sum(i * i for i in range(1000))] * (2 * n)
    charm.printStats()
    charm.thisProxy[n - 1].printStats(awaitable=True).get()
    print('docs_profiling: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
