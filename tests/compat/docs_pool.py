# Doc page: pool.rst ("Pool"). Behaviours asserted:
#  - charm.pool.map(func, iterable, chunksize) returns the list of results in order
#    (the page's example: squares of range(10) with chunksize=2); ncores limits cores;
#  - map_async returns a future of that list;
#  - Task(func, args) runs func(*args); ret=True gives a future of its return value,
#    awaitable=True a future set when it finished; a task can spawn other tasks;
#  - @coro tasks can call the pool themselves (recursive fibonacci(13) == 233).
from charmpy import charm, coro


def square(x):
    return x ** 2


def add(a, b):
    return a + b


def spawn_and_report(future, values):
    # not a coroutine: spawns one more task that reports to the future
    charm.pool.Task(report, [future, sum(values)])


def report(future, value):
    future(value)


@coro
def fib(n):
    if n < 2:
        return n
    return sum(charm.pool.map(fib, [n - 1, n - 2]))


def main(args):
    expected = [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
    assert charm.pool.map(square, range(10), chunksize=2) == expected
    assert charm.pool.map(square, range(10)) == expected
    assert charm.pool.map(square, range(7), chunksize=3, ncores=1) == expected[:7]
    f = charm.pool.map_async(square, range(10), chunksize=4)
    assert f.get() == expected
    assert charm.pool.Task(add, [2, 3], ret=True).get() == 5
    assert charm.pool.Task(add, ['x', 'y'], awaitable=True).get() is None
    assert charm.pool.Task(add, [1, 1]) is None
    done = charm.Future()
    charm.pool.Task(spawn_and_report, [done, [1, 2, 3]])
    assert done.get() == 6
    assert fib(13) == 233
    print('docs_pool: ok on %d PEs' % charm.numPes())
    charm.exit(0)


charm.start(main)
