"""The Python half of `make demo`: a 2-d array of chares, a broadcast whose
results come back in element order, a coroutine waiting on futures, and NumPy
arrays sent between PEs without pickling their data.

    mpirun -n 2 build/bin/charmpy-run apps/hello/hello.py
"""
import numpy as np
from charmpy import charm, Chare, Array, coro


class Cell(Chare):

    def __init__(self, scale):
        self.scale = scale

    def describe(self):
        return '%s on PE %d' % (self.thisIndex, charm.myPe())

    def scaled_sum(self, values):
        return float(values.sum()) * self.scale * (self.thisIndex[0] + 1)

    @coro
    def ask_neighbour(self):
        """Waits for a neighbour's answer while this PE keeps serving messages."""
        ni, nj = self.thisProxy.dims
        i, j = self.thisIndex
        neighbour = self.thisProxy[(i + 1) % ni, j]
        return neighbour.describe(ret=True).get()


def main(args):
    cells = Array(Cell, (2, 3), args=[10])
    for text in cells.describe(ret=True).get():
        print('hello from', text)
    data = np.arange(1000, dtype=np.float64)
    print('sums:', cells.scaled_sum(data, ret=True).get())
    print('element (0, 1) asked its neighbour:', cells[0, 1].ask_neighbour(ret=True).get())
    charm.exit(0)


charm.start(main)
