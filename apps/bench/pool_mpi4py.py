"""mpi4py.futures reference for pool.py: the same tasks with MPIPoolExecutor.
Run: mpirun -n 3 python3 -m mpi4py.futures apps/bench/pool_mpi4py.py (rank 0 is the
master, the other ranks are the workers, like multiprocessing's parent process).
mpi4py.futures runs a few thousand tiny tasks per second here, so its tiny-task rate
is measured over 10k calls instead of 100k (a rate; the run would take minutes)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool_tasks  # noqa: E402

from mpi4py import MPI  # noqa: E402
from mpi4py.futures import MPIPoolExecutor  # noqa: E402


def main():
    workers = MPI.COMM_WORLD.Get_size() - 1
    with MPIPoolExecutor() as executor:
        figures = pool_tasks.measure(
            "mpi4py.futures", workers,
            lambda func, items, chunksize: list(executor.map(func, items, chunksize=chunksize)),
            tiny_tasks=10_000)
    pool_tasks.report(figures)


if __name__ == "__main__":
    main()
