"""Remote functions: `@ray.remote def f(...)`, `f.remote(*args, **kwargs)`.

`f.remote()` picks the PE that runs the task (round robin from this PE: the tasks of
one caller, nested ones too, spread over every PE), creates the references of its
results, held on that PE, and sends the task there; it returns at once. On that PE the
task runs on a fiber of its own (so it may `ray.get` the results of tasks it started:
recursion as in fib): it waits for its reference arguments (fetched from their
holders), calls the function, and keeps the results there. A small result also goes
straight to the caller, which will most likely ask for it.

Until it starts (while it waits for its arguments) a task can be cancelled
(`ray.cancel`): its results then fail with TaskCancelledError.

As in charm4py, `@ray.remote` returns the function itself (calling it directly runs it
here) with `remote` and `options` added.
"""
import _charmpy

from .. import pool_tasks
from .object_ref import slots
from .object_store import created, flush, node_or_init, store
from .resolve import resolve, result_values, small
from .exceptions import TaskCancelledError
from .object_ref import (MY_PE, NUM_PES, FULL_WEIGHT, READY, FAILED, ObjectRef, new_uid)

_next = 0   # round-robin position of this PE's next task


def next_pe():
    global _next
    pe = (MY_PE + _next) % NUM_PES
    _next += 1
    return pe


class RemoteFunction:
    """What `f.remote` is bound to: the function, how it travels, its options."""

    __slots__ = ('func', 'sendable', 'num_returns', 'name')

    def __init__(self, func, num_returns=1):
        if type(num_returns) is not int or num_returns < 1:
            raise ValueError('@ray.remote(num_returns=%r): num_returns must be an int >= 1'
                             % (num_returns,))
        self.func = func
        self.sendable = None
        self.num_returns = num_returns
        self.name = pool_tasks.function_name(func)

    def remote(self, *args, **kwargs):
        """Runs the function as a task on some PE; returns its ObjectRef at once (a list
        of them with num_returns > 1)."""
        node = node_or_init('%s.remote()' % self.name)
        if self.sendable is None:
            self.sendable = pool_tasks.sendable(self.func, '%s.remote()' % self.name)
        pe = next_pe()
        uids = [new_uid() for _ in range(self.num_returns)]
        refs = [ObjectRef(uid, pe, FULL_WEIGHT) for uid in uids]
        spec = (self.sendable, args, kwargs or None, uids, MY_PE, self.name)
        try:
            node[pe]._charmpy_ray_task(spec)
        except Exception as e:
            for uid in uids:   # never created: no weight to return
                slots.pop(uid, None)
            raise type(e)('%s.remote(): the arguments cannot be sent: %s' % (self.name, e)) from e
        flush()
        return refs[0] if self.num_returns == 1 else refs

    def options(self, num_returns=None, **ignored):
        """`f.options(num_returns=2).remote(...)`: the same function with other options
        (Ray's resource options, e.g. num_cpus, are accepted and ignored)."""
        return RemoteFunction(self.func, self.num_returns if num_returns is None else num_returns)


def remote_function(func, num_returns=1):
    """`@ray.remote` on a function: the function itself, with `remote` and `options`."""
    rf = RemoteFunction(func, num_returns)
    func.remote = rf.remote
    func.options = rf.options
    return func


def cancelled_failure(name):
    """The failure value of a cancelled call's results."""
    return (name, (TaskCancelledError('%s was cancelled before it started' % name),
                   'cancelled on PE %d before it started' % MY_PE, 'TaskCancelledError'))


def run(spec):
    """A task arrived on this PE (the node group's entry): record its results as held
    here, then run it on a fiber."""
    func, args, kwargs, uids, caller, name = spec
    state = {'started': False, 'cancelled': False}

    def cancel():
        if not state['started']:
            state['cancelled'] = True
            for uid in uids:
                store(uid, FAILED, cancelled_failure(name))

    early_cancel = False
    for uid in uids:
        h = created(uid)
        if h is not None:
            early_cancel = early_cancel or h.cancel == 'requested'
            h.cancel = cancel
    if early_cancel:
        cancel()
        return
    _charmpy.spawn(_run_task, (func, args, kwargs, uids, caller, name, state))


def _run_task(func, args, kwargs, uids, caller, name, state):
    args, kwargs, failure = resolve(args, kwargs or {}, 'the arguments of ' + name)
    if state['cancelled']:
        return
    state['started'] = True
    if failure is None:
        try:
            values = result_values(func(*args, **kwargs), len(uids), name)
        except Exception as e:
            failure = (name, pool_tasks.error_tuple(e))
    del args, kwargs
    if failure is not None:
        for uid in uids:
            store(uid, FAILED, failure, caller)
    else:
        for uid, value in zip(uids, values):
            store(uid, READY, value, caller if small(value) else -1)
    flush()
