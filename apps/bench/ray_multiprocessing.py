"""multiprocessing.Pool reference for ray_tasks.py: tiny tasks one by one with
Pool(N).apply_async (N = 2 by default, or the first argument) then a get of each,
as ray's `f.remote(i)` then `ray.get(refs)`, and the round trip of one tiny task
(`pool.apply`, the median of single calls). Medians of REPEATS repeats.
Run: python3 apps/bench/ray_multiprocessing.py [N] [--tasks T]; ends with one JSON line."""
import json
import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool_tasks  # noqa: E402

REPEATS = 3
LATENCY_CALLS = 2000


def main():
    args = sys.argv[1:]
    tasks = 50_000
    if '--tasks' in args:
        i = args.index('--tasks')
        tasks = int(float(args[i + 1]))
        del args[i:i + 2]
    workers = int(args[0]) if args else 2
    calls = min(LATENCY_CALLS, tasks)
    with multiprocessing.Pool(workers) as pool:
        def tiny():
            t0 = time.perf_counter()
            results = [pool.apply_async(pool_tasks.square, (i,)) for i in range(tasks)]
            values = [r.get() for r in results]
            elapsed = time.perf_counter() - t0
            assert len(values) == tasks and values[-1] == (tasks - 1) ** 2
            return tasks / elapsed

        def latency():
            # The median of single calls, as ray_tasks.py measures its round trips.
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                assert pool.apply(pool_tasks.square, (3,)) == 9
                times.append(time.perf_counter() - t0)
            return statistics.median(times) * 1e6

        [pool.apply_async(pool_tasks.square, (i,)) for i in range(1000)][-1].get()   # warm-up
        rate = statistics.median(tiny() for _ in range(REPEATS))
        one = statistics.median(latency() for _ in range(REPEATS))
    print('multiprocessing.Pool(%d): apply_async %d tiny tasks/s, apply round trip %.1f us'
          % (workers, rate, one))
    print(json.dumps({'bench': 'ray', 'flavour': 'multiprocessing', 'workers': workers, 'tasks': tasks,
                      'apply_async_tasks_per_s': round(rate), 'apply_latency_us': round(one, 2)}), flush=True)


if __name__ == '__main__':
    main()
