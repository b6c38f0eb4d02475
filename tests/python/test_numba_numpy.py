# The embedded interpreter sees Debian's site- and dist-packages: NumPy and Numba
# import, and a Numba-compiled kernel runs inside a chare on every PE.
import sys

import numba
import numpy as np
from charmpy import charm, Chare, Group


@numba.njit(cache=False)
def jacobi_sweep(a):
    out = a.copy()
    for i in range(1, a.shape[0] - 1):
        out[i] = 0.5 * (a[i - 1] + a[i + 1])
    return out


class Worker(Chare):

    def sweep(self, n):
        a = np.zeros(n)
        a[0] = a[-1] = 1.0
        for _ in range(10):
            a = jacobi_sweep(a)
        return float(a.sum())


def main(args):
    assert sys.argv[0].endswith('test_numba_numpy.py'), sys.argv
    expected = Worker.sweep(None, 50)  # the same kernel on PE 0, directly
    sums = Group(Worker).sweep(50, ret=True).get()
    assert sums == [expected] * charm.numPes(), sums
    print('numba', numba.__version__, 'numpy', np.__version__, 'ok on', charm.numPes(), 'PEs')
    charm.exit(0)


charm.start(main)
