"""The workers of `charm.pool`: one element per PE of an internal group
(`PoolWorker`), created at start-up. A worker runs the chunks the scheduler (PE 0)
sends it and sends their results back; PE 0's element also receives the scheduler's
messages (submissions from other PEs, results), and every element the progress of
its PE's jobs.
"""
import itertools

import _charmpy

from . import pool_progress, pool_scheduler
from .chare import Chare
from .coro import is_coro
from .pool_tasks import (MAP, STAR, MIXED, NO_RESULT, error_tuple, first_unpicklable,
                         function_name, named_error)
from .proxy import new_proxy
from .registry import KIND_GROUP, class_info

_MY_PE = _charmpy.my_pe()

_group = None       # proxy of the pool's group, once known on this PE


def set_group(cid):
    """Records the id of the pool's group on this PE (first one wins: there is one)."""
    global _group
    if _group is None:
        _group = new_proxy(class_info(PoolWorker, 'charm.pool'), KIND_GROUP, cid, None, -1)


def group():
    """The proxy of the pool's group, or None before it is known on this PE."""
    return _group


def group_id():
    """The id of the pool's group, or None before it is known on this PE."""
    return None if _group is None else _group.gid


class PoolWorker(Chare):
    """The pool's element on one PE: runs the chunks it receives and returns their
    results to the scheduler (PE 0). Internal: programs use `charm.pool`."""

    _charmpy_hidden_entries = ('_charmpy_pool_run1', '_charmpy_pool_run', '_charmpy_pool_submit',
                               '_charmpy_pool_done1', '_charmpy_pool_done', '_charmpy_pool_failed',
                               '_charmpy_pool_released', '_charmpy_pool_progress')

    def __init__(self):
        set_group(self.thisProxy.gid)
        self._functions = {}   # function number -> function (sent once per worker)
        self._scheduler = self.thisProxy[0]   # PE 0's element: where results go

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
            self._scheduler._charmpy_pool_done1(_MY_PE, job_id, start, result)
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
            self._scheduler._charmpy_pool_released(_MY_PE)

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
        if mode & NO_RESULT:
            results = [None] * len(results)
        try:
            self._scheduler._charmpy_pool_done(_MY_PE, job_id, start, results, released)
        except Exception as e:
            self._unsendable(job_id, start, mode & 3, func, items, results, e, released)

    def _unsendable(self, job_id, start, kind, func, items, results, exc, released):
        """The chunk's results did not pickle (`exc`): the job fails with an error
        naming the first task whose result does not, and its function."""
        k, error = first_unpicklable(results)
        if kind == MIXED:
            func = items[k][0]
        error = named_error('charm.pool: the result of task %d (%s) cannot be sent back'
                             % (start + k, function_name(func)), error or exc)
        self._failed(job_id, start, results[:k], error, released)

    def _failed(self, job_id, start, results, exc, released):
        error = error_tuple(exc)
        try:
            self._scheduler._charmpy_pool_failed(_MY_PE, job_id, start, results, error, released)
        except Exception:
            # A result computed before the failure does not pickle: keep those before it.
            results = results[:first_unpicklable(results)[0]]
            self._scheduler._charmpy_pool_failed(_MY_PE, job_id, start, results, error, released)

    # --- the scheduler's entries (PE 0) ---------------------------------------------------
    def _charmpy_pool_submit(self, spec):
        pool_scheduler.instance().add(spec)

    def _charmpy_pool_done1(self, worker, job_id, start, result):
        pool_scheduler.instance().done1(worker, job_id, start, result)

    def _charmpy_pool_done(self, worker, job_id, start, results, released):
        pool_scheduler.instance().done(worker, job_id, start, results, released)

    def _charmpy_pool_failed(self, worker, job_id, start, results, error, released):
        pool_scheduler.instance().failed(worker, job_id, start, results, error, released)

    def _charmpy_pool_released(self, worker):
        pool_scheduler.instance().released(worker)

    # --- the caller's side ------------------------------------------------------------------
    def _charmpy_pool_progress(self, key, done, final):
        pool_progress.progress(key, done, final)
