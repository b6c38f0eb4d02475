"""multiprocessing.Pool reference for pool.py: the same tasks with Pool(N) (N = 2 by
default, or the first argument). Run: python3 apps/bench/pool_multiprocessing.py [N]."""
import multiprocessing
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool_tasks  # noqa: E402


def main():
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    with multiprocessing.Pool(workers) as pool:
        figures = pool_tasks.measure(
            "multiprocessing", workers,
            lambda func, items, chunksize: pool.map(func, items, chunksize=chunksize))
    pool_tasks.report(figures)


if __name__ == "__main__":
    main()
