"""charmpy.ray benchmark (run-ray.sh runs it next to multiprocessing.Pool(2)'s
apply_async, ray_multiprocessing.py). In one invocation on 2 PEs:

- tiny tasks per second: `square.remote(i)` for N tasks, then one `ray.get` of all,
  next to `charm.pool.map(square, ..., chunksize=1)` over the same N;
- round-trip latency of one tiny task (`ray.get(square.remote(1))`), next to a
  `charm.pool.Task(..., ret=True)` and an entry-method call with `ret=True`;
- 1 MiB objects: `ray.put` and `ray.get` on one PE, `ray.get` of a value held on
  PE 1 (produced there by an actor), a put whose reference an actor on PE 1 uses,
  next to the 1 MiB ping-pong between two group elements (one way).

Every figure is the median of REPEATS measurements (rates over all N tasks; times
the median of single calls). Run:
    mpirun -n 2 charmpy-run apps/bench/ray_tasks.py [--tasks N]
(N: 50,000 by default; the latencies take min(N, 2000) calls each.)
Prints a table and ends with one JSON line.
"""
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pool_tasks  # noqa: E402

from charm4py import charm, Chare, Group, ray  # noqa: E402

REPEATS = 3
LATENCY_CALLS = 2000
MIB_CALLS = 50
MIB_DOUBLES = (1 << 20) // 8


@ray.remote
def square(x):
    return x * x


@ray.remote
class Holder(object):
    """An actor that produces 1 MiB values where it lives and takes them as
    arguments."""

    def where(self):
        return charm.myPe()

    def make(self, seed):
        return np.full(MIB_DOUBLES, float(seed))

    def first(self, array):
        return float(array[0])

    def ping(self):
        return None


class Echo(Chare):
    """A group element that sends back what it is given: the ping-pong reference."""

    def echo(self, payload):
        return payload


def median_of(measure, repeats=REPEATS):
    return statistics.median(measure() for _ in range(repeats))


def tiny_tasks(n):
    def ray_run():
        t0 = time.perf_counter()
        refs = [square.remote(i) for i in range(n)]
        values = ray.get(refs)
        elapsed = time.perf_counter() - t0
        assert len(values) == n and values[-1] == (n - 1) ** 2
        return n / elapsed

    def pool_run():
        t0 = time.perf_counter()
        values = charm.pool.map(pool_tasks.square, range(n), chunksize=1)
        elapsed = time.perf_counter() - t0
        assert len(values) == n and values[-1] == (n - 1) ** 2
        return n / elapsed

    ray.get([square.remote(i) for i in range(1000)])          # warm-up
    charm.pool.map(pool_tasks.square, range(1000), chunksize=1)
    rates = {}
    for _ in range(REPEATS):   # taking turns, so that the VM's drift weighs on both alike
        rates.setdefault('ray', []).append(ray_run())
        rates.setdefault('charm_pool_chunksize_1', []).append(pool_run())
    return {k: round(statistics.median(v)) for k, v in rates.items()}


def per_call_us(call, calls):
    """The median time of one call() over `calls` calls, in microseconds (a median,
    not a mean: on a shared VM a few calls take milliseconds)."""
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def latencies(echo, calls):
    def ray_task():
        assert ray.get(square.remote(3)) == 9

    def pool_task():
        assert charm.pool.Task(pool_tasks.square, (3,), ret=True).get() == 9

    def entry_method():
        assert echo[charm.numPes() - 1].echo(3, ret=True).get() == 3

    cases = {'ray_task': ray_task, 'charm_pool_task': pool_task, 'entry_method_ret': entry_method}
    for call in cases.values():
        per_call_us(call, 100)
    return {name: round(median_of(lambda: per_call_us(call, calls)), 2)
            for name, call in cases.items()}


def holder_on_last_pe():
    """An actor on the last PE: actors are placed by the runtime, so make a few
    and keep one that landed there."""
    target = charm.numPes() - 1
    for _ in range(4 * charm.numPes()):
        actor = Holder.remote()
        if ray.get(actor.where.remote()) == target:
            return actor
    return None


def objects_1mib(echo):
    array = np.random.default_rng(1).random(MIB_DOUBLES)
    figures = {}

    def put_local():
        return per_call_us(lambda: ray.put(array), MIB_CALLS)

    def get_local():
        ref = ray.put(array)
        return per_call_us(lambda: ray.get(ref), MIB_CALLS)

    figures['put_local'] = median_of(put_local)
    figures['get_local'] = median_of(get_local)

    holder = holder_on_last_pe()
    if holder is not None and charm.numPes() > 1:
        def get_remote():
            # The value is made on the last PE and ready there (the actor's calls run
            # in order, so once ping() answered, make() is done); only the get is timed:
            # a request and 1 MiB back.
            times = []
            for i in range(MIB_CALLS):
                ref = holder.make.remote(i)
                ray.get(holder.ping.remote())
                t0 = time.perf_counter()
                value = ray.get(ref)
                times.append(time.perf_counter() - t0)
                assert value[0] == i
            return statistics.median(times) * 1e6

        def call_returning_remote():
            return per_call_us(lambda: ray.get(holder.make.remote(1)), MIB_CALLS)

        def put_then_use_remote():
            return per_call_us(lambda: ray.get(holder.first.remote(ray.put(array))), MIB_CALLS)

        for name, measure in (('get_remote', get_remote), ('call_returning_remote', call_returning_remote),
                              ('put_then_use_remote', put_then_use_remote)):
            measure()   # warm-up
            figures[name] = median_of(measure)

        def pingpong_one_way():
            return per_call_us(lambda: echo[1].echo(array, ret=True).get(), MIB_CALLS) / 2

        pingpong_one_way()
        figures['pingpong_one_way'] = median_of(pingpong_one_way)
    return {k: round(v, 1) for k, v in figures.items()}


def main(args):
    tasks = 50_000
    if '--tasks' in args:
        tasks = int(float(args[args.index('--tasks') + 1]))
    ray.init()
    echo = Group(Echo)
    charm.awaitCreation(echo)
    rates = tiny_tasks(tasks)
    latency = latencies(echo, min(LATENCY_CALLS, tasks))
    objects = objects_1mib(echo)
    print('charmpy.ray on %d PEs (medians of %d)' % (charm.numPes(), REPEATS))
    print('  tiny tasks/s (%d tasks): ray %s, charm.pool chunksize 1 %s (ray / pool %.2f)'
          % (tasks, format(rates['ray'], ','), format(rates['charm_pool_chunksize_1'], ','),
             rates['ray'] / rates['charm_pool_chunksize_1']))
    print('  one tiny call, round trip: ray task %.1f us, charm.pool Task %.1f us, entry method ret=True %.1f us'
          % (latency['ray_task'], latency['charm_pool_task'], latency['entry_method_ret']))
    print('  1 MiB: %s' % ', '.join('%s %.1f us' % kv for kv in objects.items()))
    print(json.dumps({'bench': 'ray', 'flavour': 'charmpy.ray', 'pes': charm.numPes(), 'tasks': tasks,
                      'tiny_tasks_per_s': rates, 'latency_us': latency, 'object_1mib_us': objects}))
    sys.stdout.flush()
    charm.exit()


charm.start(main)
