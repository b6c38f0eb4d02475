"""The tasks of the pool benchmark, shared by every flavour (charmpy's charm.pool,
multiprocessing.Pool, mpi4py.futures) so that all run the same functions.

- `square(x)`: the tiny task (x*x); what is measured is the pool's own cost per task.
- `coarse(seed)`: about 1 ms of pure-Python arithmetic on this machine (a fixed
  amount of work, not a timed wait, so every flavour does the same work).
"""
import statistics
import time

TINY_TASKS = 100_000
TINY_CHUNKSIZES = (1, 100)
COARSE_TASKS = 1_000
COARSE_LOOP = 23_000   # iterations of coarse(): ~1 ms with CPython 3.11 here
REPEATS = 3            # each measurement is the median of this many runs
SLOW_RUN = 5.0         # seconds: a run this slow is not repeated


def square(x):
    return x * x


def coarse(seed):
    total = seed
    for i in range(COARSE_LOOP):
        total += i * i
    return total


def coarse_timed(seed):
    """coarse(seed) and the seconds it took where it ran."""
    start = time.perf_counter()
    value = coarse(seed)
    return value, time.perf_counter() - start


def expected_coarse(seed):
    n = COARSE_LOOP
    return seed + (n - 1) * n * (2 * n - 1) // 6


def median_seconds(run, repeats=REPEATS):
    """The median wall time of `repeats` calls of run() (one call when it takes more
    than SLOW_RUN seconds: slow flavours would take minutes otherwise)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        if times[0] > SLOW_RUN:
            break
    return statistics.median(times)


def measure(flavour, workers, pool_map, tiny_tasks=TINY_TASKS):
    """Runs the benchmark with `pool_map(func, items, chunksize)` (returning the list
    of results) and returns the flavour's figures as a dict.

    Tiny tasks: tasks per second at each chunksize (over `tiny_tasks` calls).

    Coarse tasks (chunksize 1): the parallel time and two efficiencies. "busy": the
    time the tasks themselves took, where they ran, over workers x parallel time, so
    the share of the workers' time spent in tasks (robust on this machine, whose
    speed drifts over seconds and differs between cores). "serial": the same tasks
    run one after another in this process over workers x parallel time (the
    textbook definition; serial and parallel runs alternate, median of the pairs).
    """
    figures = {"bench": "pool", "flavour": flavour, "workers": workers}
    pool_map(square, range(1000), 1)   # warm-up: workers started, functions known
    tiny = {}
    for chunksize in TINY_CHUNKSIZES:
        def run():
            results = pool_map(square, range(tiny_tasks), chunksize)
            assert results[-1] == (tiny_tasks - 1) ** 2 and len(results) == tiny_tasks
        tiny[str(chunksize)] = round(tiny_tasks / median_seconds(run))
    figures["tiny_tasks"] = tiny_tasks
    figures["tiny_tasks_per_s"] = tiny
    seeds = range(COARSE_TASKS)
    serial, parallel, busy, textbook = [], [], [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for s in seeds:
            coarse(s)
        serial.append(time.perf_counter() - start)
        start = time.perf_counter()
        results = pool_map(coarse_timed, seeds, 1)
        parallel.append(time.perf_counter() - start)
        assert results[7][0] == expected_coarse(7) and len(results) == COARSE_TASKS
        busy.append(sum(r[1] for r in results) / (workers * parallel[-1]))
        textbook.append(serial[-1] / (workers * parallel[-1]))
    median = statistics.median
    figures["coarse"] = {"tasks": COARSE_TASKS,
                         "task_ms": round(median(serial) / COARSE_TASKS * 1e3, 3),
                         "serial_s": round(median(serial), 4), "parallel_s": round(median(parallel), 4),
                         "efficiency_busy": round(median(busy), 3),
                         "efficiency_serial": round(median(textbook), 3)}
    return figures


def report(figures):
    """Prints the figures readably, then as one JSON line."""
    import json
    tiny = figures["tiny_tasks_per_s"]
    coarse_figures = figures["coarse"]
    print("%s (%d workers): tiny tasks %s tasks/s; coarse: %d x %.2f ms in %.3f s, "
          "efficiency %.1f%% (busy), %.1f%% (serial)"
          % (figures["flavour"], figures["workers"],
             ", ".join("chunksize %s: %d" % kv for kv in tiny.items()),
             coarse_figures["tasks"], coarse_figures["task_ms"], coarse_figures["parallel_s"],
             coarse_figures["efficiency_busy"] * 100, coarse_figures["efficiency_serial"] * 100))
    print(json.dumps(figures), flush=True)
