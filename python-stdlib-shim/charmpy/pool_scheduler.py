"""The scheduler of `charm.pool` (PE 0 only): hands out the chunks of every job in
flight to the workers and sends the results to the callers' futures.

- A job (a map, a submit, a Task) is cut into chunks of `chunksize` tasks; a chunk
  travels to its worker as one message and its results come back as one message.
- It keeps each worker busy: a worker holds up to DEPTH chunks (the one it runs and
  those queued behind it) so that it does not wait for the scheduler; it hands out
  the chunks of the jobs in flight in turn, so concurrent jobs share the workers;
  `ncores` caps the number of workers one job occupies at a time.
- Functions with a module-level name reach each worker once (cached by number).
"""
import time
import types

import _charmpy

from . import pool_progress
from .coro import is_coro
from .pool_tasks import (MAP, MIXED, NO_RESULT, REPLY_LIST, REPLY_ONE, REPLY_NONE,
                         REPLY_PER_TASK, REPLY_NOTHING, error_tuple, first_unpicklable,
                         function_name, named_error)

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()
# Chunks a worker may hold (the one it runs and those queued behind it). The
# scheduler answers a finished chunk once PE 0 is done with its own chunk, so two
# queued chunks keep a worker busy meanwhile even when all chunks take the same
# time. (Deeper queues measured slower for short chunks: the last chunks of a job
# wait at one worker while the others run dry.) PE 0's worker shares its PE with
# the scheduler, so it holds one: a queue there would delay the scheduler's own
# messages behind long tasks.
DEPTH = 3
PROGRESS_INTERVAL = 0.1  # seconds between two progress updates of one job

def _has_name(func):
    """True for functions that travel by name: workers cache those by number (the
    others, lambdas and callable objects, travel with every chunk)."""
    return (type(func) in (types.FunctionType, types.BuiltinFunctionType)
            and '<' not in func.__qualname__)


class Job:
    """A map, submit or Task in flight: its tasks, where its results go, how far it is."""

    __slots__ = ('id', 'caller', 'mode', 'func', 'number', 'items', 'n', 'chunksize', 'next',
                 'done', 'results', 'inflight', 'ncores', 'on_workers', 'reply_kind', 'reply',
                 'bar_key', 'last_report', 'failed', 'fast')


class Scheduler:
    """Hands out the chunks of every job in flight to the workers (PE 0 only)."""

    def __init__(self, workers):
        self.workers = [workers[pe] for pe in range(_NUM_PES)]  # element proxies, by PE
        self.held = [0] * _NUM_PES     # chunks each worker holds (not counting waiting coroutines)
        self.fill_order = list(range(1, _NUM_PES)) + [0]
        self.jobs = {}         # job id -> Job, until its last chunk is back
        self.active = []       # jobs with chunks to hand out, served in turn
        self.turn = 0
        self.next_id = 0
        self.numbers = {}      # function -> number (what workers cache it by)
        self.known = [set() for _ in range(_NUM_PES)]   # function numbers each worker has

    def add(self, spec):
        caller, mode, func, items, chunksize, ncores, reply_kind, reply, bar_key = spec
        job = Job()
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
            job.mode |= NO_RESULT
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
        if self.held[pe] >= (DEPTH if pe else 1):
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
            self.workers[pe]._charmpy_pool_run1(job.id, start, number, func, job.items[start])
        else:
            self.workers[pe]._charmpy_pool_run(job.id, start, job.mode, number, func,
                                               job.items[start:end])

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
            if finished or now - job.last_report >= PROGRESS_INTERVAL:
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
            pool_progress.progress(job.bar_key, job.done, final)
        else:
            self.workers[job.caller]._charmpy_pool_progress(job.bar_key, job.done, final)

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
            k, error = first_unpicklable(values)
            task = first + k
            func = job.items[task][0] if job.mode & 3 == MIXED else job.func
            error = named_error('charm.pool: the result of task %d (%s) cannot be sent back'
                                 % (task, function_name(func)), error or e)
            self._send_error(job.caller, fid, error_tuple(error))

    def _send_error(self, caller, fid, error):
        _charmpy.send_future(caller, fid, error, True)


_instance = None   # the Scheduler, on PE 0 once the pool's group exists


def start(workers):
    """PE 0, once the pool's group is created: the scheduler, over the group proxy
    `workers`."""
    global _instance
    _instance = Scheduler(workers)


def instance():
    """The scheduler (PE 0; None elsewhere and before start)."""
    return _instance
