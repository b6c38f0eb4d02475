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
"""
import itertools
import pickle
import sys
import time
import types

import _charmpy

from . import chare, futures, section
from .chare import Chare
from .coro import is_coro

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()

# How a chunk applies its items: func(item), func(*item), or item = (func, arg).
MAP, STAR, MIXED = 0, 1, 2
# Added to the mode of jobs whose results nobody receives (Task without ret=): the
# worker sends back None for each task instead of a result that may not pickle.
_NO_RESULT = 4
# What the caller's future(s) receive once the job is done.
REPLY_LIST, REPLY_ONE, REPLY_NONE, REPLY_PER_TASK, REPLY_NOTHING = range(5)

# Chunks a worker may hold (the one it runs and those queued behind it). The
# scheduler answers a finished chunk once PE 0 is done with its own chunk, so two
# queued chunks keep a worker busy meanwhile even when all chunks take the same
# time. (Deeper queues measured slower for short chunks: the last chunks of a job
# wait at one worker while the others run dry.) PE 0's worker shares its PE with
# the scheduler, so it holds one: a queue there would delay the scheduler's own
# messages behind long tasks.
_DEPTH = 3
_PROGRESS_INTERVAL = 0.1  # seconds between two progress updates of one job

_cid = None         # id of the pool's group, once known on this PE
_entries = None     # entry method name -> id, for the group's hidden entries
_scheduler = None   # PE 0 only
_bars = {}          # progress key -> the caller's progress bar (this PE's jobs)
_next_bar_key = 0


def start(cid):
    """Called by charm.start on PE 0 once the pool's group is created: the scheduler."""
    global _scheduler
    set_group(cid)
    _scheduler = _Scheduler(cid)


def set_group(cid):
    """Records the id of the pool's group on this PE (first one wins: there is one)."""
    global _cid, _entries
    if _cid is None:
        _cid = cid
        _entries = dict(chare.class_info(PoolWorker, 'charm.pool').entries)


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
        func = _sendable(func, 'charm.pool.map')
        items = _as_list(iterable, 'charm.pool.map')
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
        items = _as_list(iterable, 'charm.pool.submit')
        pairs = []
        for i, task in enumerate(items):
            if not (isinstance(task, (tuple, list)) and len(task) == 2):
                raise TypeError('charm.pool.submit: task %d is %r; each task is a (func, args) '
                                'pair, run as func(args)' % (i, task))
            pairs.append((_sendable(task[0], 'charm.pool.submit (task %d)' % i), task[1]))
        kind = REPLY_PER_TASK if multi_future else REPLY_LIST
        return _submit(MIXED, None, pairs, chunksize, ncores, kind, progress, 'charm.pool.submit')

    def Task(self, func, args=(), ret=False, awaitable=False):
        """Runs `func(*args)` on a worker. With `ret=True` returns a Future of the
        result, with `awaitable=True` one that resolves to None once it ran (either
        raises the task's exception in `get()`); otherwise returns None, and an
        exception in the task ends the program like one in an entry method."""
        func = _sendable(func, 'charm.pool.Task')
        if not isinstance(args, (tuple, list)):
            raise TypeError('charm.pool.Task(func, args): args must be a tuple or list of '
                            'arguments (func(*args) runs), got %r' % (args,))
        kind = REPLY_ONE if ret else REPLY_NONE if awaitable else REPLY_NOTHING
        return _submit(STAR, func, [tuple(args)], 1, -1, kind, False, 'charm.pool.Task')


def _submit(mode, func, items, chunksize, ncores, reply_kind, progress, what):
    global _next_bar_key
    if type(chunksize) is not int or chunksize < 1:
        raise ValueError('%s: chunksize must be an int >= 1, got %r' % (what, chunksize))
    if type(ncores) is not int or (ncores < 1 and ncores != -1):
        raise ValueError('%s: ncores must be -1 (all workers) or an int >= 1, got %r'
                         % (what, ncores))
    if _cid is None:
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
        bar_key = _next_bar_key
        _next_bar_key += 1
        _bars[bar_key] = _new_progress_bar(n, what)
    try:
        if _scheduler is not None:
            # The scheduler keeps the job until workers are free: take the values the
            # tasks have now (a call behaves as if its arguments were copied at the call).
            if mode == MIXED:   # (func, args) pairs: the functions travel by name anyway
                items = list(zip([f for f, _ in items], _snapshot([a for _, a in items])))
            else:
                items = _snapshot(items)
        else:
            spec = (_MY_PE, mode, func, items, chunksize, ncores, reply_kind, reply, bar_key)
            chare._send(_cid, (0,), 0, _entries['_charmpy_pool_submit'], (spec,), None)
            return result
    except Exception as e:
        if bar_key >= 0:
            _bars.pop(bar_key).close()
        _raise_unsendable_arguments(e, mode, func, items, what)
    _scheduler.add((_MY_PE, mode, func, items, chunksize, ncores, reply_kind, reply, bar_key))
    return result


def _raise_unsendable_arguments(exc, mode, func, items, what):
    """The job's arguments did not pickle (`exc`): raises an error naming the first
    task whose arguments do not, and its function (or `exc` itself if none alone fails)."""
    args = [a for _, a in items] if mode == MIXED else items
    k, error = _first_unpicklable(args)
    if error is None:
        raise exc
    f = items[k][0] if mode == MIXED else func
    raise _named_error('%s: the arguments of task %d (%s) cannot be sent to the workers'
                       % (what, k, _function_name(f)), error) from None


def _as_list(iterable, what):
    """The tasks' items as a sequence the job keeps: ranges and tuples as they are
    (they cannot change, and a range's chunks travel as ranges), anything else copied
    into a list (the caller may change its list while the job runs)."""
    if type(iterable) in (range, tuple):
        return iterable
    try:
        return list(iterable)
    except TypeError:
        if not hasattr(iterable, '__iter__'):
            raise TypeError('%s: %r is not iterable' % (what, iterable)) from None
        raise


_IMMUTABLE = frozenset((int, float, complex, bool, str, bytes, type(None)))


def _unchangeable(value, depth=0):
    t = type(value)
    if t in _IMMUTABLE:
        return True
    if t is tuple and depth < 4:
        return all(_unchangeable(v, depth + 1) for v in value)
    return False


def _snapshot(items):
    """`items` as they are now: itself when no task's item can change (a range, or
    immutable values), else a deep copy made the way the runtime pickles arguments."""
    if type(items) is range or all(_unchangeable(item) for item in items):
        return items
    from . import _pickling
    return pickle.loads(_pickling.dumps(items, None))


class _ByValue:
    """A function without a module-level name (a lambda) that travels as its code."""

    __slots__ = ('func', 'shipped', '_charmpy_coro')

    def __init__(self, func, shipped):
        self.func = func
        self.shipped = shipped
        self._charmpy_coro = is_coro(func)

    def __call__(self, *args):
        return self.func(*args)

    def __reduce__(self):
        return (section.unship_function, (self.shipped,))


_sendable_cache = {}  # functions already checked to pickle by name


def _sendable(func, what):
    """`func` in a form every PE can receive; TypeError at the call when impossible."""
    try:
        return _sendable_cache[func]
    except (KeyError, TypeError):
        pass
    if not callable(func):
        raise TypeError('%s: func must be callable, got %r' % (what, func))
    try:
        pickle.dumps(func)
    except Exception:
        # A lambda (or a nested function) without captured variables travels as code.
        return _ByValue(func, section.ship_function(func, what))
    if isinstance(func, (types.FunctionType, types.BuiltinFunctionType)):
        _sendable_cache[func] = func
    return func


def _function_name(func):
    """`module.qualname` of a task's function, for error messages."""
    if isinstance(func, _ByValue):
        func = func.func
    if not hasattr(func, '__qualname__'):
        func = type(func)    # a callable object
    return '%s.%s' % (getattr(func, '__module__', None) or '?', func.__qualname__)


def _first_unpicklable(values):
    """(index, pickling exception) of the first of `values` that does not pickle the
    way the runtime sends it, or (0, None) when each one does."""
    from . import _pickling
    for k, value in enumerate(values):
        try:
            _pickling.dumps(value, _drop_buffer)
        except Exception as e:
            return k, e
    return 0, None


def _drop_buffer(buffer):
    return False   # out of band: _first_unpicklable need not copy the bytes


def _named_error(text, cause):
    """An exception of `cause`'s type (RuntimeError if that cannot be made) whose
    message is `text` followed by the cause's type and message."""
    text = '%s: %s: %s' % (text, type(cause).__name__, cause)
    try:
        error = type(cause)(text)
    except Exception:
        return RuntimeError(text)
    return error if str(error) == text else RuntimeError(text)


def _new_progress_bar(total, what):
    try:
        from tqdm import tqdm
    except ImportError:
        raise ImportError('%s(progress=True) draws its bar with tqdm: apt-get install '
                          'python3-tqdm' % what) from None
    return tqdm(total=total, unit='task', file=sys.stderr, mininterval=0, miniters=1,
                desc='charm.pool PE %d' % _MY_PE, dynamic_ncols=False, ncols=80)


def _progress(key, done, final):
    """A progress update of one of this PE's jobs: `done` tasks; `final` once the job
    completed or failed."""
    bar = _bars.get(key)
    if bar is None:
        return
    bar.update(done - bar.n)
    if final:
        bar.close()
        del _bars[key]


# --- the workers -------------------------------------------------------------------------

class PoolWorker(Chare):
    """The pool's element on one PE: runs the chunks it receives and returns their
    results to the scheduler (PE 0). Internal: programs use `charm.pool`."""

    _charmpy_hidden_entries = ('_charmpy_pool_run1', '_charmpy_pool_run', '_charmpy_pool_submit',
                               '_charmpy_pool_done1', '_charmpy_pool_done', '_charmpy_pool_failed',
                               '_charmpy_pool_released', '_charmpy_pool_progress')

    def __init__(self):
        set_group(self.thisProxy._cid)
        self._functions = {}   # function number -> function (sent once per worker)
        self._reply_index = (0,)

    def _function(self, number, func):
        """The chunk's function: sent with it (kept under its number when it has one)
        or, when None, the one kept earlier."""
        if func is None:
            return self._functions[number]
        if number >= 0:
            self._functions[number] = func
        return func

    # --- chunks ---------------------------------------------------------------------------
    def _charmpy_pool_run1(self, job_id, start, number, func, item):
        """One task of a map with chunksize 1 (the scheduler's fast path, never @coro)."""
        func = self._function(number, func)
        try:
            result = func(item)
        except Exception as e:
            self._failed(job_id, start, [], e, False)
            return
        try:
            chare._send(_cid, self._reply_index, 0, _entries['_charmpy_pool_done1'],
                        (_MY_PE, job_id, start, result), None)
        except Exception as e:
            self._unsendable(job_id, start, MAP, func, None, [result], e, False)

    def _charmpy_pool_run(self, job_id, start, mode, number, func, items):
        """A chunk: applies the function(s) to `items`; coroutine functions on a fiber."""
        if mode & 3 == MIXED:
            coro = any(is_coro(f) for f, _ in items)
        else:
            func = self._function(number, func)
            coro = is_coro(func)
        if not coro:
            self._run_chunk(job_id, start, mode, func, items, None)
            return
        state = [False, False]   # [finished, slot released]
        _charmpy.spawn(self._run_chunk, (job_id, start, mode, func, items, state))
        if not state[0]:
            # The chunk waits for something: this worker is free for other chunks.
            state[1] = True
            chare._send(_cid, self._reply_index, 0, _entries['_charmpy_pool_released'],
                        (_MY_PE,), None)

    def _run_chunk(self, job_id, start, mode, func, items, state):
        # extend() keeps the results computed before a task raises (for multi_future).
        results = []
        try:
            kind = mode & 3
            if kind == MAP:
                results.extend(map(func, items))
            elif kind == STAR:
                results.extend(itertools.starmap(func, items))
            else:
                for f, arg in items:
                    results.append(f(arg))
        except Exception as e:
            released = state is not None and state[1]
            if state is not None:
                state[0] = True
            self._failed(job_id, start, results, e, released)
            return
        released = False
        if state is not None:
            state[0] = True
            released = state[1]
        if mode & _NO_RESULT:
            results = [None] * len(results)
        try:
            chare._send(_cid, self._reply_index, 0, _entries['_charmpy_pool_done'],
                        (_MY_PE, job_id, start, results, released), None)
        except Exception as e:
            self._unsendable(job_id, start, mode & 3, func, items, results, e, released)

    def _unsendable(self, job_id, start, kind, func, items, results, exc, released):
        """The chunk's results did not pickle (`exc`): the job fails with an error
        naming the first task whose result does not, and its function."""
        k, error = _first_unpicklable(results)
        if kind == MIXED:
            func = items[k][0]
        error = _named_error('charm.pool: the result of task %d (%s) cannot be sent back'
                             % (start + k, _function_name(func)), error or exc)
        self._failed(job_id, start, results[:k], error, released)

    def _failed(self, job_id, start, results, exc, released):
        error = _error_tuple(exc)
        try:
            chare._send(_cid, self._reply_index, 0, _entries['_charmpy_pool_failed'],
                        (_MY_PE, job_id, start, results, error, released), None)
        except Exception:
            # A result computed before the failure does not pickle: keep those before it.
            results = results[:_first_unpicklable(results)[0]]
            chare._send(_cid, self._reply_index, 0, _entries['_charmpy_pool_failed'],
                        (_MY_PE, job_id, start, results, error, released), None)

    # --- the scheduler's entries (PE 0) ---------------------------------------------------
    def _charmpy_pool_submit(self, spec):
        _scheduler.add(spec)

    def _charmpy_pool_done1(self, worker, job_id, start, result):
        _scheduler.done1(worker, job_id, start, result)

    def _charmpy_pool_done(self, worker, job_id, start, results, released):
        _scheduler.done(worker, job_id, start, results, released)

    def _charmpy_pool_failed(self, worker, job_id, start, results, error, released):
        _scheduler.failed(worker, job_id, start, results, error, released)

    def _charmpy_pool_released(self, worker):
        _scheduler.released(worker)

    # --- the caller's side ------------------------------------------------------------------
    def _charmpy_pool_progress(self, key, done, final):
        _progress(key, done, final)


def _error_tuple(exc):
    """(exception or None, traceback text, type name) as futures deliver it; the
    exception itself only when it survives pickling (its class may not rebuild)."""
    from .charm import _format_exception
    text = _format_exception(exc)
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        exc = None
    return (exc, text, type(exc).__name__ if exc is not None else 'Exception')


# --- the scheduler (PE 0) ------------------------------------------------------------------

def _has_name(func):
    """True for functions that travel by name: workers cache those by number (the
    others, lambdas and callable objects, travel with every chunk)."""
    return (type(func) in (types.FunctionType, types.BuiltinFunctionType)
            and '<' not in func.__qualname__)


class _Job:
    """A map, submit or Task in flight: its tasks, where its results go, how far it is."""

    __slots__ = ('id', 'caller', 'mode', 'func', 'number', 'items', 'n', 'chunksize', 'next',
                 'done', 'results', 'inflight', 'ncores', 'on_workers', 'reply_kind', 'reply',
                 'bar_key', 'last_report', 'failed', 'fast')


class _Scheduler:
    """Hands out the chunks of every job in flight to the workers (PE 0 only)."""

    def __init__(self, cid):
        self.cid = cid
        self.run1 = _entries['_charmpy_pool_run1']
        self.run = _entries['_charmpy_pool_run']
        self.held = [0] * _NUM_PES     # chunks each worker holds (not counting waiting coroutines)
        self.index = [(pe,) for pe in range(_NUM_PES)]
        self.fill_order = list(range(1, _NUM_PES)) + [0]
        self.jobs = {}         # job id -> _Job, until its last chunk is back
        self.active = []       # jobs with chunks to hand out, served in turn
        self.turn = 0
        self.next_id = 0
        self.numbers = {}      # function -> number (what workers cache it by)
        self.known = [set() for _ in range(_NUM_PES)]   # function numbers each worker has

    def add(self, spec):
        caller, mode, func, items, chunksize, ncores, reply_kind, reply, bar_key = spec
        job = _Job()
        job.id = self.next_id
        self.next_id += 1
        job.caller, job.mode, job.func, job.items = caller, mode, func, items
        job.n = len(items)
        job.chunksize = chunksize
        job.next = job.done = job.inflight = 0
        job.results = None if reply_kind == REPLY_PER_TASK else [None] * job.n
        job.ncores = _NUM_PES if ncores < 0 or ncores >= _NUM_PES else ncores
        job.on_workers = {} if job.ncores < _NUM_PES else None
        job.reply_kind, job.reply, job.bar_key = reply_kind, reply, bar_key
        job.last_report = time.monotonic()
        job.failed = False
        job.number = -1
        if _has_name(func):
            job.number = self.numbers.get(func, -1)
            if job.number < 0:
                job.number = self.numbers[func] = len(self.numbers)
        job.fast = mode == MAP and chunksize == 1 and not is_coro(func)
        if reply_kind in (REPLY_NONE, REPLY_NOTHING):
            job.mode |= _NO_RESULT
        self.jobs[job.id] = job
        self.active.append(job)
        self.fill()

    # --- handing out chunks ---------------------------------------------------------------
    def fill(self):
        """Gives every worker the chunks it may take (PE 0's last)."""
        for pe in self.fill_order:
            self.feed(pe)

    def feed(self, pe):
        while self.active:
            job = self.pick(pe)
            if job is None:
                return
            self.dispatch(job, pe)

    def pick(self, pe):
        """The next job, in turn, that worker `pe` may take a chunk of (ncores), or
        None; None too when the worker holds all the chunks it may."""
        if self.held[pe] >= (_DEPTH if pe else 1):
            return None
        active = self.active
        n = len(active)
        for k in range(n):
            i = (self.turn + k) % n
            job = active[i]
            limit = job.on_workers
            if limit is None or pe in limit or len(limit) < job.ncores:
                self.turn = i + 1
                return job
        return None

    def dispatch(self, job, pe):
        start = job.next
        end = start + job.chunksize
        if end >= job.n:
            end = job.n
            self.active.remove(job)
        job.next = end
        func = job.func
        number = job.number
        if number >= 0:
            known = self.known[pe]
            if number in known:
                func = None
            else:
                known.add(number)
        if job.on_workers is not None:
            job.on_workers[pe] = job.on_workers.get(pe, 0) + 1
        self.held[pe] += 1
        job.inflight += 1
        if job.fast:
            chare._send(self.cid, self.index[pe], pe, self.run1,
                        (job.id, start, number, func, job.items[start]), None)
        else:
            chare._send(self.cid, self.index[pe], pe, self.run,
                        (job.id, start, job.mode, number, func, job.items[start:end]), None)

    # --- chunks coming back -----------------------------------------------------------------
    def done1(self, pe, job_id, start, result):
        job = self._returned(pe, job_id, False)
        if job.results is None:
            self._reply_each(job, start, (result,))
        if job.failed:
            self._drop_if_idle(job)
        else:
            if job.results is not None:
                job.results[start] = result
            job.done += 1
        self.feed(pe)
        if not job.failed:
            self._progressed(job)

    def done(self, pe, job_id, start, results, released):
        job = self._returned(pe, job_id, released)
        if job.results is None:
            self._reply_each(job, start, results)
        if job.failed:
            self._drop_if_idle(job)
        else:
            if job.results is not None:
                job.results[start:start + len(results)] = results
            job.done += len(results)
        self.feed(pe)
        if not job.failed:
            self._progressed(job)

    def released(self, pe):
        """A worker's coroutine chunk waits: the worker may take other chunks."""
        self.held[pe] -= 1
        self.feed(pe)

    def failed(self, pe, job_id, start, results, error, released):
        job = self._returned(pe, job_id, released)
        chunk_end = min(start + job.chunksize, job.n)
        if job.reply_kind == REPLY_PER_TASK:
            # Each task has its own future: the completed ones get their results, the
            # failed one and every task that will not run now get the exception.
            self._reply_each(job, start, results)
            for i in range(start + len(results), chunk_end):
                self._send_error(job.caller, job.reply[i], error)
            if not job.failed:
                for i in range(job.next, job.n):
                    self._send_error(job.caller, job.reply[i], error)
        elif not job.failed:
            if job.reply_kind == REPLY_NOTHING:
                _charmpy.abort('charm.pool.Task: a task without ret= or awaitable= raised an '
                               'exception (nobody waits for it):\n%s' % error[1])
            self._send_error(job.caller, job.reply, error)
        if not job.failed:
            job.failed = True
            if job.next < job.n:
                self.active.remove(job)
            if job.bar_key >= 0:
                self._report(job, True)
        self._drop_if_idle(job)
        self.feed(pe)

    # --- bookkeeping ------------------------------------------------------------------------
    def _returned(self, pe, job_id, released):
        """A chunk of job `job_id` came back from worker `pe` (done or failed): the
        worker has room again unless its coroutine already said so. Returns the job."""
        job = self.jobs[job_id]
        if not released:
            self.held[pe] -= 1
        job.inflight -= 1
        if job.on_workers is not None:
            self._leave(job, pe)
        return job

    def _leave(self, job, pe):
        """A chunk of an ncores-limited job came back from `pe`."""
        left = job.on_workers[pe] - 1
        if left:
            job.on_workers[pe] = left
        else:
            del job.on_workers[pe]
            if job.next < job.n and not job.failed:
                self.fill()  # the job may now use another worker that has room

    def _drop_if_idle(self, job):
        if job.inflight == 0:
            self.jobs.pop(job.id, None)

    def _progressed(self, job):
        finished = job.done == job.n
        if job.bar_key >= 0:
            now = time.monotonic()
            if finished or now - job.last_report >= _PROGRESS_INTERVAL:
                job.last_report = now
                self._report(job, finished)
        if finished:
            del self.jobs[job.id]
            kind = job.reply_kind
            if kind == REPLY_LIST:
                self._send_results(job, job.reply, job.results, 0, True)
            elif kind == REPLY_ONE:
                self._send_results(job, job.reply, job.results[0], 0, False)
            elif kind == REPLY_NONE:
                _charmpy.send_future(job.caller, job.reply, None)

    def _report(self, job, final):
        if job.caller == _MY_PE:
            _progress(job.bar_key, job.done, final)
        else:
            chare._send(self.cid, self.index[job.caller], job.caller,
                        _entries['_charmpy_pool_progress'], (job.bar_key, job.done, final), None)

    def _reply_each(self, job, start, results):
        fids = job.reply
        for i, value in enumerate(results, start):
            self._send_results(job, fids[i], value, i, False)

    def _send_results(self, job, fid, value, first, is_list):
        """Sends `value` (the result of task `first`, or with `is_list` the list of
        results from task `first` on) to the caller's future; an error there if it does not pickle. (The
        workers' results reach the scheduler pickled, unless options.local_msg_optim
        passed them by reference from PE 0's worker.)"""
        try:
            _charmpy.send_future(job.caller, fid, value)
        except Exception as e:
            values = value if is_list else [value]
            k, error = _first_unpicklable(values)
            task = first + k
            func = job.items[task][0] if job.mode & 3 == MIXED else job.func
            error = _named_error('charm.pool: the result of task %d (%s) cannot be sent back'
                                 % (task, _function_name(func)), error or e)
            self._send_error(job.caller, fid, _error_tuple(error))

    def _send_error(self, caller, fid, error):
        _charmpy.send_future(caller, fid, error, True)
