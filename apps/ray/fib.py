"""Recursive Fibonacci by nested Ray-style tasks (charmpy.ray, i.e. charm4py.ray),
as charm4py's examples/ray/fib.py: every call of fib(n) for n >= 2 starts two
tasks, fib(n-1) and fib(n-2), which run on any PE, and waits for them with
ray.get. A task that waits lets its PE run other tasks meanwhile, so the
recursion cannot deadlock however deep it goes.

It is a test of nesting, not a fast way to compute Fibonacci numbers: each task
does almost no work. fib(n) makes 2*F(n+1) - 1 tasks (1973 for n = 15).
The value is checked against an iterative computation.

    mpirun -n 2 build/bin/charmpy-run apps/ray/fib.py [n]
"""
import time

from charm4py import charm, ray


@ray.remote
def fib(n):
    if n < 2:
        return n
    # Both tasks are started before waiting for either, so that they run in parallel.
    left = fib.remote(n - 1)
    right = fib.remote(n - 2)
    return ray.get(left) + ray.get(right)


@ray.remote
def fib_pe_count(n):
    """fib(n) as above, but every task also reports which PEs its subtree ran on
    (the result is a (value, {pe: tasks}) pair), to show where the work went."""
    here = {charm.myPe(): 1}
    if n < 2:
        return n, here
    (a, pes_a), (b, pes_b) = ray.get([fib_pe_count.remote(n - 1), fib_pe_count.remote(n - 2)])
    for pes in (pes_a, pes_b):
        for pe, count in pes.items():
            here[pe] = here.get(pe, 0) + count
    return a + b, here


def serial_fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def main(args):
    ray.init()
    n = int(args[1]) if len(args) > 1 else 15
    tasks = 2 * serial_fib(n + 1) - 1
    print('Calculating fib(%d) with nested tasks (%d tasks) on %d PEs' % (n, tasks, charm.numPes()))
    t0 = time.perf_counter()
    result = ray.get(fib.remote(n))
    elapsed = time.perf_counter() - t0
    print('fib(%d) = %d in %.3f s (%.0f tasks/s)' % (n, result, elapsed, tasks / elapsed))
    assert result == serial_fib(n), (result, serial_fib(n))

    small = min(n, 12)
    value, per_pe = ray.get(fib_pe_count.remote(small))
    assert value == serial_fib(small), value
    assert sum(per_pe.values()) == 2 * serial_fib(small + 1) - 1, per_pe
    print('fib(%d) = %d again, its %d tasks ran on PEs: %s'
          % (small, value, sum(per_pe.values()),
             ', '.join('PE %d: %d' % kv for kv in sorted(per_pe.items()))))
    print('fib: all checks passed')
    charm.exit()


charm.start(main)
