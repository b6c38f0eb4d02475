"""charm.pool benchmark (charmpy): tiny tasks (100k x*x at chunksizes 1 and 100) and
coarse tasks (~1 ms each) over the workers of every PE; see pool_tasks.py.
Run: mpirun -n 2 charmpy-run apps/bench/pool.py; ends with one JSON line."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool_tasks  # noqa: E402

from charmpy import charm  # noqa: E402


def main(args):
    figures = pool_tasks.measure(
        "charmpy", charm.numPes(),
        lambda func, items, chunksize: charm.pool.map(func, items, chunksize=chunksize))
    pool_tasks.report(figures)
    charm.exit()


charm.start(main)
