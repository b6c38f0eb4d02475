"""`charm.pool`: a parallel map and tasks over the workers of every PE (master-worker).

    from charmpy import charm

    def square(x):
        return x * x

    def main(args):
        print(charm.pool.map(square, range(10)))              # [0, 1, 4, ..., 81]
        f = charm.pool.map_async(square, range(10**5), chunksize=100)
        t = charm.pool.Task(divmod, (17, 5), ret=True)        # one task: divmod(17, 5)
        print(len(f.get()), t.get())                          # 100000 (3, 2)
        charm.exit()

    charm.start(main)

How it works:
- Every PE has one worker, the element of an internal group (`PoolWorker`) created at
  start-up. PE 0's element also holds the scheduler, so PE 0 computes as well.
- A job (a map, a submit, a Task) is cut into chunks of `chunksize` tasks. A chunk
  travels to its worker as one message and its results come back as one message
  (NumPy results as out-of-band buffers, never pickled byte by byte).
- The scheduler keeps each worker busy: a worker holds up to three chunks (the one
  it runs and those queued behind it) so that it does not wait for the scheduler;
  it hands out the chunks of the jobs in flight in turn, so concurrent jobs share
  the workers; `ncores` caps the number of workers one job occupies at a time.
- Functions travel by reference (their module-level name, as pickle does; lambdas
  that capture nothing travel as code) and reach each worker once per function.
- `@coro` functions run on fibers; while one waits (e.g. for a nested
  `charm.pool.map`) its worker takes other chunks, so nested maps cannot deadlock.
- A task's exception reaches the caller's future with the task's traceback; the job
  stops handing out chunks and the pool stays usable.
- Results travel back by message, also from PE 0's worker: a result that does not
  pickle fails its job like an exception, naming the task and its function ("the
  result of task 3 (mod.func) cannot be sent back: TypeError: ..."). (With
  options.local_msg_optim, PE 0's worker passes results by reference, so a caller on
  PE 0 receives those as they are.) A Task without ret= sends back nothing. Arguments
  that do not pickle fail at the call, naming the task and its function.

The pool's modules: pool.py (this, the caller's side), pool_scheduler.py (PE 0),
pool_worker.py (the workers' group), pool_tasks.py (what a job is made of, errors),
pool_progress.py (progress bars).
"""
import _charmpy

from . import futures, pool_progress, pool_scheduler
from .pool_tasks import (MAP, STAR, MIXED, REPLY_LIST, REPLY_ONE, REPLY_NONE,  # noqa: F401
                         REPLY_PER_TASK, REPLY_NOTHING, as_list, first_unpicklable,
                         function_name, named_error, sendable, snapshot)
from .pool_worker import PoolWorker, group, group_id, set_group  # noqa: F401

_MY_PE = _charmpy.my_pe()


def start(cid):
    """Called by charm.start on PE 0 once the pool's group is created: the scheduler."""
    set_group(cid)
    pool_scheduler.start(group())


# --- the caller's side -----------------------------------------------------------------

class Pool:
    """The pool of workers (`charm.pool`): a parallel `map`, `submit` and `Task`.

    Every call may be made from any PE, from the entry function, a chare or a task of
    the pool itself (`@coro` tasks may call the pool: nested parallelism).
    """

    def map(self, func, iterable, chunksize=1, ncores=-1, multi_future=False, progress=False):
        """`[func(x) for x in iterable]` computed by the workers, in order. From a
        coroutine. `chunksize` tasks travel together; `ncores` (-1: all) caps the workers
        this job occupies at a time; `progress=True` draws a progress bar on stderr.
        An exception raised by a task is raised here, with the task's traceback."""
        futures.current_fiber_or_raise('charm.pool.map()')
        result = self.map_async(func, iterable, chunksize, ncores, multi_future, progress)
        return [f.get() for f in result] if multi_future else result.get()

    def map_async(self, func, iterable, chunksize=1, ncores=-1, multi_future=False,
                  progress=False):
        """Starts `map` and returns a Future of the list of results, or with
        `multi_future=True` a list of futures, one per task."""
        func = sendable(func, 'charm.pool.map')
        items = as_list(iterable, 'charm.pool.map')
        kind = REPLY_PER_TASK if multi_future else REPLY_LIST
        return _submit(MAP, func, items, chunksize, ncores, kind, progress, 'charm.pool.map')

    def submit(self, iterable, chunksize=1, ncores=-1, multi_future=False, progress=False):
        """Runs `func(args)` for each `(func, args)` pair of `iterable` (functions may
        differ) and returns the results in order. From a coroutine."""
        futures.current_fiber_or_raise('charm.pool.submit()')
        result = self.submit_async(iterable, chunksize, ncores, multi_future, progress)
        return [f.get() for f in result] if multi_future else result.get()

    def submit_async(self, iterable, chunksize=1, ncores=-1, multi_future=False, progress=False):
        """Starts `submit` and returns a Future of the list of results (a list of
        futures with `multi_future=True`)."""
        items = as_list(iterable, 'charm.pool.submit')
        pairs = []
        for i, task in enumerate(items):
            if not (isinstance(task, (tuple, list)) and len(task) == 2):
                raise TypeError('charm.pool.submit: task %d is %r; each task is a (func, args) '
                                'pair, run as func(args)' % (i, task))
            pairs.append((sendable(task[0], 'charm.pool.submit (task %d)' % i), task[1]))
        kind = REPLY_PER_TASK if multi_future else REPLY_LIST
        return _submit(MIXED, None, pairs, chunksize, ncores, kind, progress, 'charm.pool.submit')

    def Task(self, func, args=(), ret=False, awaitable=False):
        """Runs `func(*args)` on a worker. With `ret=True` returns a Future of the
        result, with `awaitable=True` one that resolves to None once it ran (either
        raises the task's exception in `get()`); otherwise returns None, and an
        exception in the task ends the program like one in an entry method."""
        func = sendable(func, 'charm.pool.Task')
        if not isinstance(args, (tuple, list)):
            raise TypeError('charm.pool.Task(func, args): args must be a tuple or list of '
                            'arguments (func(*args) runs), got %r' % (args,))
        kind = REPLY_ONE if ret else REPLY_NONE if awaitable else REPLY_NOTHING
        return _submit(STAR, func, [tuple(args)], 1, -1, kind, False, 'charm.pool.Task')


def _submit(mode, func, items, chunksize, ncores, reply_kind, progress, what):
    if type(chunksize) is not int or chunksize < 1:
        raise ValueError('%s: chunksize must be an int >= 1, got %r' % (what, chunksize))
    if type(ncores) is not int or (ncores < 1 and ncores != -1):
        raise ValueError('%s: ncores must be -1 (all workers) or an int >= 1, got %r'
                         % (what, ncores))
    workers = group()
    if workers is None:
        raise RuntimeError('%s: the pool is not ready on PE %d; use it once charm.start() '
                           'has started the program' % (what, _MY_PE))
    n = len(items)
    if reply_kind == REPLY_PER_TASK:
        result = [futures.Future() for _ in range(n)]
        reply = [f.fid for f in result]
    elif reply_kind == REPLY_NOTHING:
        result = reply = None
    else:
        result = futures.Future()
        reply = result.fid
    if n == 0:
        if reply_kind == REPLY_LIST:
            result._deliver([], False)
        return result
    bar_key = -1
    if progress:
        bar_key = pool_progress.open_bar(n, what)
    scheduler = pool_scheduler.instance()
    try:
        if scheduler is not None:
            # The scheduler keeps the job until workers are free: take the values the
            # tasks have now (a call behaves as if its arguments were copied at the call).
            if mode == MIXED:   # (func, args) pairs: the functions travel by name anyway
                items = list(zip([f for f, _ in items], snapshot([a for _, a in items])))
            else:
                items = snapshot(items)
        else:
            spec = (_MY_PE, mode, func, items, chunksize, ncores, reply_kind, reply, bar_key)
            workers[0]._charmpy_pool_submit(spec)
            return result
    except Exception as e:
        if bar_key >= 0:
            pool_progress.close_bar(bar_key)
        _raise_unsendable_arguments(e, mode, func, items, what)
    scheduler.add((_MY_PE, mode, func, items, chunksize, ncores, reply_kind, reply, bar_key))
    return result


def _raise_unsendable_arguments(exc, mode, func, items, what):
    """The job's arguments did not pickle (`exc`): raises an error naming the first
    task whose arguments do not, and its function (or `exc` itself if none alone fails)."""
    args = [a for _, a in items] if mode == MIXED else items
    k, error = first_unpicklable(args)
    if error is None:
        raise exc
    f = items[k][0] if mode == MIXED else func
    raise named_error('%s: the arguments of task %d (%s) cannot be sent to the workers'
                       % (what, k, function_name(f)), error) from None
