# charm.pool: map / map_async / submit / Task over every PE, with chunksizes, ncores,
# concurrent jobs from different coroutines, nested maps (@coro tasks calling the
# pool), exceptions (then the pool still works), NumPy results, lambdas, bad input.
import sys
import time

import numpy as np

from charmpy import charm, coro, Chare, Array, Future, RemoteException

from cases import case, run_cases


def square(x):
    return x * x


def negate(x):
    return -x


def add(a, b):
    return a + b


def where_and_when(x, secs=0.002):
    """Runs for `secs` (blocking its PE) and says where and when it ran."""
    start = time.monotonic()
    time.sleep(secs)
    return (x, charm.myPe(), start, time.monotonic())


def fails_on_13(x):
    if x == 13:
        raise ValueError('task %d refuses' % x)
    return x


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__('%s/%s' % (a, b))   # args do not rebuild it: no pickle round trip


def raises_unpicklable(x):
    raise Unpicklable(x, 'no')


def waits_outside_coroutine(x):
    return charm.pool.map(square, [x])   # not @coro: cannot wait


def send_to(f, value):
    f.send(value)


def array_of(n):
    return np.arange(n, dtype=np.float64) * 2.0


@coro
def fib(n):
    if n < 2:
        return n
    return sum(charm.pool.map(fib, [n - 1, n - 2]))


@coro
def nested_sum(n):
    """A coroutine task that runs a map itself (chunked) and a Task."""
    squares = charm.pool.map(square, range(n), chunksize=3)
    extra = charm.pool.Task(add, (1, 2), ret=True).get()
    return sum(squares) + extra


class Client(Chare):
    """Calls the pool from a coroutine of a chare (on another PE)."""

    @coro
    def run_map(self, count, tag):
        return charm.pool.map(where_and_when, [(tag, i) for i in range(count)])

    @coro
    def run_with_progress(self, count):
        return with_progress(count)

    def not_a_coroutine(self):
        try:
            charm.pool.map(square, [1])
        except RuntimeError as e:
            return str(e)
        return 'no error'


def with_progress(count):
    """Runs a map with progress=True and returns what its bar wrote to stderr."""
    import io
    saved, sys.stderr = sys.stderr, io.StringIO()
    try:
        records = charm.pool.map(where_and_when, range(count), progress=True)
        text = sys.stderr.getvalue()
    finally:
        sys.stderr = saved
    assert [r[0] for r in records] == list(range(count))
    return text


def max_overlap(records):
    """The largest number of records whose (start, end) intervals overlap."""
    events = sorted([(r[2], 1) for r in records] + [(r[3], -1) for r in records])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def first_and_index(item):
    return item[0], item[1][0]


def snapshot_task(i, buf):
    return i, buf[0]


@case
def arguments_copied_at_the_call():
    # A job waits in the scheduler until workers are free; what the tasks see is what
    # their arguments held at the call, not what the caller wrote afterwards (charm4py
    # copies them too; the nqueen example reuses one buffer for every Task).
    buf = [0]
    tasks = []
    for i in range(30):
        buf[0] = i
        tasks.append(charm.pool.Task(snapshot_task, (i, buf), ret=True))
    buf[0] = -1
    assert [t.get() for t in tasks] == [(i, i) for i in range(30)]
    items = [(i, [i]) for i in range(50)]
    f = charm.pool.map_async(first_and_index, items, chunksize=3)
    g = charm.pool.submit_async([(first_and_index, item) for item in items])
    for item in items:
        item[1][0] = -1
    assert f.get() == [(i, i) for i in range(50)]
    assert g.get() == [(i, i) for i in range(50)]


@case
def map_results_in_input_order_for_every_chunksize():
    for chunksize in (1, 7, 100):
        assert charm.pool.map(square, list(range(250)), chunksize=chunksize) == \
            [x * x for x in range(250)]
        assert charm.pool.map(square, (x for x in range(250)), chunksize=chunksize) == \
            [x * x for x in range(250)]


@case
def map_of_empty_input_is_empty():
    assert charm.pool.map(square, []) == []
    assert charm.pool.map(square, iter(())) == []
    assert charm.pool.map_async(square, range(0)).get() == []


@case
def map_async_and_multi_future_results():
    f = charm.pool.map_async(square, range(30), chunksize=4)
    assert f.get() == [x * x for x in range(30)]
    fs = charm.pool.map_async(square, range(12), chunksize=5, multi_future=True)
    assert [x.get() for x in fs] == [x * x for x in range(12)]
    assert charm.pool.map(square, range(6), multi_future=True) == [0, 1, 4, 9, 16, 25]


@case
def map_of_lambda_and_builtin():
    assert charm.pool.map(lambda x: x + 1, range(10), chunksize=3) == list(range(1, 11))
    assert charm.pool.map(abs, [-1, -2, 3]) == [1, 2, 3]     # a builtin


@case
def submit_of_mixed_functions_in_order():
    mixed = [(square, 3), (negate, 4), (square, 5)] * 10
    assert charm.pool.submit(mixed) == [9, -4, 25] * 10
    assert charm.pool.submit(mixed, chunksize=4) == [9, -4, 25] * 10
    assert charm.pool.submit_async(mixed, chunksize=7).get() == [9, -4, 25] * 10
    fs = charm.pool.submit_async(mixed[:3], multi_future=True)
    assert [x.get() for x in fs] == [9, -4, 25]
    assert charm.pool.submit([]) == []


@case
def every_pe_runs_tasks_at_the_same_time():
    records = charm.pool.map(where_and_when, range(20 * charm.numPes()))
    assert [r[0] for r in records] == list(range(20 * charm.numPes()))
    pes = set(r[1] for r in records)
    assert pes == set(range(charm.numPes())), pes   # PE 0 computes too
    if charm.numPes() > 1:
        assert max_overlap(records) > 1, 'tasks never ran at the same time'
    print('workers on PEs', sorted(pes))


@case
def ncores_bounds_tasks_running_at_once():
    for ncores in (1, 2):
        records = charm.pool.map(where_and_when, range(30), ncores=ncores)
        assert [r[0] for r in records] == list(range(30))
        assert max_overlap(records) <= ncores, (ncores, max_overlap(records))
    records = charm.pool.map(where_and_when, range(30), chunksize=4, ncores=1)
    assert max_overlap(records) == 1


@case
def concurrent_jobs_from_the_entry_share_the_workers():
    # Two maps from the entry, started together, share the workers.
    fa = charm.pool.map_async(where_and_when, [('a', i) for i in range(80)])
    fb = charm.pool.map_async(where_and_when, [('b', i) for i in range(80)])
    a, b = fa.get(), fb.get()
    assert [r[0] for r in a] == [('a', i) for i in range(80)]
    assert [r[0] for r in b] == [('b', i) for i in range(80)]
    first_b = min(r[2] for r in b)
    a_after = sum(1 for r in a if r[2] > first_b)
    assert a_after >= 20, 'job b waited for job a: only %d of a started after b' % a_after


@case
def maps_from_coroutines_of_chares_on_other_pes():
    # Maps from coroutines of chares on other PEs, while the entry runs one too.
    clients = Array(Client, 3)
    futures = [clients[i].run_map(40, i, ret=True) for i in range(3)]
    mine = charm.pool.map(square, range(500), chunksize=5)
    assert mine == [x * x for x in range(500)]
    for i, f in enumerate(futures):
        assert [r[0] for r in f.get()] == [(i, k) for k in range(40)]
    assert 'coroutine' in clients[0].not_a_coroutine(ret=True).get()


@case
def nested_maps_from_coroutine_tasks():
    assert fib(1) == 1
    assert charm.pool.Task(fib, (14,), ret=True).get() == 377
    assert charm.pool.map(fib, range(12)) == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
    assert charm.pool.map(nested_sum, [10, 20], chunksize=2) == [288, 2473]


@case
def task_ret_awaitable_and_fire_and_forget():
    assert charm.pool.Task(divmod, (17, 5), ret=True).get() == (3, 2)
    assert charm.pool.Task(add, [2, 3], ret=True).get() == 5
    assert charm.pool.Task(where_and_when, ('t', 0.01), awaitable=True).get() is None
    f = Future()
    assert charm.pool.Task(send_to, (f, 'sent')) is None
    assert f.get() == 'sent'
    many = [charm.pool.Task(square, (i,), ret=True) for i in range(50)]
    assert [x.get() for x in many] == [i * i for i in range(50)]


@case
def task_exception_reaches_map_with_remote_traceback_then_pool_works():
    for chunksize in (1, 7):
        try:
            charm.pool.map(fails_on_13, range(40), chunksize=chunksize)
            raise AssertionError('the task exception did not reach map')
        except ValueError as e:
            assert 'task 13 refuses' in str(e)
            assert 'fails_on_13' in e.remote_stacktrace, e.remote_stacktrace
            assert 'traceback on PE' in e.remote_stacktrace
        assert charm.pool.map(square, range(40), chunksize=chunksize) == \
            [x * x for x in range(40)]


@case
def multi_future_chunks_before_the_failing_task_still_deliver():
    fs = charm.pool.map_async(fails_on_13, range(20), chunksize=3, multi_future=True)
    for i, f in enumerate(fs):
        if i < 12:     # chunks before the failing one ran
            assert f.get() == i
        elif i == 13:
            try:
                f.get()
                raise AssertionError('task 13 did not fail')
            except ValueError:
                pass


@case
def task_exception_reaches_ret_and_awaitable_futures():
    try:
        charm.pool.Task(fails_on_13, (13,), ret=True).get()
        raise AssertionError('Task exception lost')
    except ValueError:
        pass
    try:
        charm.pool.Task(fails_on_13, (13,), awaitable=True).get()
        raise AssertionError('Task exception lost (awaitable)')
    except ValueError:
        pass


@case
def unpicklable_task_exception_still_reaches_map():
    try:
        charm.pool.map(raises_unpicklable, range(3))
        raise AssertionError('unpicklable exception lost')
    except (Unpicklable, RemoteException) as e:
        assert 'Unpicklable' in str(e)


@case
def submit_exception_reaches_the_caller():
    try:
        charm.pool.submit([(square, 2), (fails_on_13, 13)], chunksize=2)
        raise AssertionError('submit exception lost')
    except ValueError:
        pass


@case
def waiting_in_a_task_outside_a_coroutine_fails_then_pool_works():
    try:
        charm.pool.map(waits_outside_coroutine, [1])
        raise AssertionError('waiting outside a coroutine must fail')
    except RuntimeError as e:
        assert 'coroutine' in str(e)
    assert charm.pool.map(square, range(10)) == [x * x for x in range(10)]


@case
def numpy_results_small_and_large():
    for chunksize in (1, 4):
        arrays = charm.pool.map(array_of, range(1, 30), chunksize=chunksize)
        for n, a in zip(range(1, 30), arrays):
            assert isinstance(a, np.ndarray) and a.dtype == np.float64
            assert np.array_equal(a, np.arange(n) * 2.0)
    big = charm.pool.map(array_of, [1 << 17] * 4)
    assert all(np.array_equal(a, np.arange(1 << 17) * 2.0) for a in big)


@case
def bad_input_raises_naming_the_argument():
    def expect(error, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except error as e:
            return str(e)
        raise AssertionError('%s%r did not raise %s' % (fn.__name__, args, error.__name__))
    assert 'chunksize' in expect(ValueError, charm.pool.map, square, [1], chunksize=0)
    assert 'ncores' in expect(ValueError, charm.pool.map, square, [1], ncores=0)
    assert 'callable' in expect(TypeError, charm.pool.map, 42, [1])
    assert 'not iterable' in expect(TypeError, charm.pool.map, square, 5)
    assert '(func, args)' in expect(TypeError, charm.pool.submit, [square])
    assert 'args' in expect(TypeError, charm.pool.Task, square, 3)
    captured = 7
    assert 'cannot be sent' in expect(TypeError, charm.pool.map, lambda x: x + captured, [1])


@case
def progress_bar_drawn_on_the_callers_pe():
    text = with_progress(200)
    assert '200/200' in text and 'task/s' in text, text
    assert text.count('\r') >= 3, 'the bar was not updated while the map ran: %r' % text
    if charm.numPes() > 1:    # a caller on another PE: its bar is drawn there
        client = Chare(Client, onPE=1)
        text = client.run_with_progress(60, ret=True).get()
        assert '60/60' in text and 'PE 1' in text, text


def main(args):
    run_cases()


charm.start(main)
