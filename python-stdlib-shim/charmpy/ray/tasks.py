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
from .object_ref import call_ref, slots, uid_counter
from .object_store import (collect_replies, created, flush, node_or_init, node_proxy,
                           send_replies, set_before_wait, store)
from .resolve import references_in, result_values, substituted, when_resolved
from .exceptions import TaskCancelledError
from .object_ref import MY_PE, NUM_PES, READY, FAILED, new_uid

_next = 0        # round-robin position of this PE's next task
_numbers = {}    # (function, num_returns) -> this PE's number for it
_shipped = set()  # (number, pe): the function went to that PE already
_functions = {}  # (caller PE, number) -> (function, name): functions received here

# Tasks whose arguments are plain values travel in batches, one message per PE: a flat
# tuple (number, uid, argument count, arguments..., number, ...) that the runtime
# encodes without pickling. A batch goes when it is BATCH_LIMIT tasks long, when this
# PE waits (ray.get/wait) or when the running code gives the PE back for any other
# reason: the first task of a batch sends this PE's node a message that sends the
# batches when it is processed (a message, not a timer, so that quiescence detection
# counts the batch as work in flight: charm.waitQD() after f.remote() sees it run).
BATCH_LIMIT = 256
_PLAIN = frozenset((int, float, str, bool, type(None)))
_batches = {}      # pe -> flat list
_batched = 0
_batch_armed = False


def send_batches():
    """Sends the batched tasks (one message per PE)."""
    global _batches, _batched, _batch_armed
    _batch_armed = False
    if not _batches:
        return
    batches, _batches = _batches, {}
    _batched = 0
    node = node_proxy()
    for pe, flat in batches.items():
        node[pe]._charmpy_ray_tasks(MY_PE, *flat)


set_before_wait(send_batches)


def next_pe():
    global _next
    pe = (MY_PE + _next) % NUM_PES
    _next += 1
    return pe


class RemoteFunction:
    """What `f.remote` is bound to: the function, how it travels, its options.

    A function reaches each PE once per caller PE: the first task for that PE is
    preceded by the function and this PE's number for it; later tasks name the
    number only, so that a task with plain arguments (numbers, strings, arrays) is a
    flat message the runtime encodes without pickling."""

    __slots__ = ('func', 'sendable', 'num_returns', 'name', 'number', 'shipped')

    def __init__(self, func, num_returns=1, number=None):
        if type(num_returns) is not int or num_returns < 1:
            raise ValueError('@ray.remote(num_returns=%r): num_returns must be an int >= 1'
                             % (num_returns,))
        self.func = func
        self.sendable = None
        self.num_returns = num_returns
        self.name = pool_tasks.function_name(func)
        self.number = number
        self.shipped = [False] * NUM_PES   # the function is known on that PE (_shipped)

    def remote(self, *args, **kwargs):
        """Runs the function as a task on some PE; returns its ObjectRef at once (a list
        of them with num_returns > 1)."""
        global _next, _batched, _batch_armed
        node = node_proxy()
        if node is None:
            node = node_or_init('%s.remote()' % self.name)
        pe = (MY_PE + _next) % NUM_PES   # next_pe(), inline (on every task's path)
        _next += 1
        number = self.number
        if number is None or not self.shipped[pe]:
            number = self._ship(node, pe)
        if self.num_returns == 1 and not kwargs:
            uid = next(uid_counter) * NUM_PES + MY_PE   # new_uid(), inline
            ref = call_ref(uid, pe)
            plain = _PLAIN
            for a in args:
                if type(a) not in plain:
                    break
            else:   # _batch(pe, number, uid, args), inline
                batch = _batches.get(pe)
                if batch is None:
                    batch = _batches[pe] = []
                batch += (number, uid, len(args))
                batch += args
                _batched += 1
                if _batched >= BATCH_LIMIT:
                    send_batches()
                elif not _batch_armed:
                    _batch_armed = True
                    node[MY_PE]._charmpy_ray_send_batches()
                return ref
            try:
                node[pe]._charmpy_ray_task1(number, uid, MY_PE, *args)
            except Exception as e:
                slots.pop(uid, None)   # never created: no weight to return
                raise _unsendable(self.name, e) from e
            flush()
            return ref
        uids = [new_uid() for _ in range(self.num_returns)]
        refs = [call_ref(uid, pe) for uid in uids]
        try:
            node[pe]._charmpy_ray_task(MY_PE, number, uids, args, kwargs or None)
        except Exception as e:
            for uid in uids:
                slots.pop(uid, None)
            raise _unsendable(self.name, e) from e
        flush()
        return refs[0] if self.num_returns == 1 else refs

    def _ship(self, node, pe):
        if self.number is not None and (self.number, pe) in _shipped:   # by another instance
            self.shipped[pe] = True
            return self.number
        send_batches()   # tasks of earlier functions first (not needed, but simpler to follow)
        if self.sendable is None:
            self.sendable = pool_tasks.sendable(self.func, '%s.remote()' % self.name)
        if self.number is None:
            key = (self.func, self.num_returns)
            self.number = _numbers.get(key)
            if self.number is None:
                self.number = _numbers[key] = len(_numbers)
        node[pe]._charmpy_ray_function(MY_PE, self.number, self.sendable, self.num_returns)
        _shipped.add((self.number, pe))
        self.shipped[pe] = True
        return self.number

    def options(self, num_returns=None, **ignored):
        """`f.options(num_returns=2).remote(...)`: the same function with other options
        (Ray's resource options, e.g. num_cpus, are accepted and ignored)."""
        return RemoteFunction(self.func, self.num_returns if num_returns is None else num_returns)


def _unsendable(name, e):
    return type(e)('%s.remote(): the arguments cannot be sent: %s' % (name, e))


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


def receive_function(caller, number, func, num_returns):
    """A caller PE's function number `number` (the node group's entry)."""
    _functions[(caller, number)] = (func, pool_tasks.function_name(func))


class Task:
    """A task on the PE that runs it, until it starts (cancel() may stop it)."""

    __slots__ = ('func', 'name', 'uids', 'caller', 'started', 'cancelled')

    def __init__(self, func, name, uids, caller):
        self.func, self.name, self.uids, self.caller = func, name, uids, caller
        self.started = self.cancelled = False

    def cancel(self):
        if not self.started and not self.cancelled:
            self.cancelled = True
            for uid in self.uids:
                store(uid, FAILED, cancelled_failure(self.name))


def run(caller, number, uids, args, kwargs):
    """A task arrived on this PE (the node group's entries): record its results as
    held here, then run it on a fiber of its own."""
    func, name = _functions[(caller, number)]
    _launch(Task(func, name, uids, caller), [created(uid, caller) for uid in uids], args, kwargs,
            references_in(args, kwargs))


def run1(caller, number, uid, args):
    """A task with one result and no keyword arguments arrived (the common case, the
    fast path): without reference arguments, nothing can cancel it (it starts now)."""
    func, name = _functions[(caller, number)]
    h = created(uid, caller)
    refs = references_in(args, None)
    if refs or (h is not None and h.cancel is not None):
        _launch(Task(func, name, [uid], caller), [h], args, None, refs)
    else:
        _charmpy.spawn(_run1, (func, name, uid, args))


class _BatchRun:
    """A batch of tasks running one after the other on one fiber (run_batch)."""

    __slots__ = ('caller', 'flat', 'i', 'owner')

    def __init__(self, caller, flat):
        self.caller, self.flat, self.i, self.owner = caller, flat, 0, None


def run_batch(caller, flat):
    """A batch of tasks from PE `caller` (see send_batches). Each task runs as if on a
    fiber of its own, in order, each one starting when the one before returned or
    waited: the tasks share one fiber until one of them waits (a spawn returns here
    when its fiber finished or suspended); the rest then goes on on a new fiber, and
    the waiting one ends with its task."""
    i, n = 0, len(flat)
    collect_replies()
    try:
        if _charmpy.current_fiber():   # (spawn would not run the fiber now)
            while i < n:
                count = flat[i + 2]
                run1(caller, flat[i], flat[i + 1], flat[i + 3:i + 3 + count])
                i += 3 + count
            return
        b = _BatchRun(caller, flat)
        while b.i < n:
            b.owner = token = object()
            _charmpy.spawn(_run_batch, (b, token))
    finally:
        send_replies()


def _run_batch(b, token):
    """The fiber of a batch: runs its tasks from b.i while it is the batch's owner."""
    flat, caller, functions = b.flat, b.caller, _functions
    n = len(flat)
    while b.i < n:
        i = b.i
        end = i + 3 + flat[i + 2]
        b.i = end
        uid = flat[i + 1]
        func, name = functions[(caller, flat[i])]
        h = created(uid, caller)
        if h is not None and h.cancel is not None:   # cancelled before it arrived
            _launch(Task(func, name, [uid], caller), [h], flat[i + 3:end], None, None)
        else:
            _run1(func, name, uid, flat[i + 3:end])
        if b.owner is not token:
            return   # this task waited: the batch went on on another fiber


def _run1(func, name, uid, args):
    try:
        value = func(*args)
    except Exception as e:
        store(uid, FAILED, (name, pool_tasks.error_tuple(e)))
    else:
        store(uid, READY, value)
    flush()


def _launch(task, records, args, kwargs, refs):
    """Starts `task` once its reference arguments are here (cancellable until then)."""
    early_cancel = False
    for h in records:
        if h is not None:
            early_cancel = early_cancel or h.cancel == 'requested'
            h.cancel = task.cancel
    if early_cancel:
        task.cancel()
        return
    if not refs:
        _charmpy.spawn(_run_task, (task, args, kwargs, refs))
        return

    def start():   # the arguments' values are here (fetched from their holders)
        if not task.cancelled:
            _charmpy.spawn(_run_task, (task, args, kwargs, refs))
    when_resolved(refs, start)


def _run_task(task, args, kwargs, refs):
    if task.cancelled:
        return
    task.started = True
    name = task.name
    failure = None
    if refs:
        args, kwargs, failure = substituted(args, kwargs, refs)
        del refs
    if kwargs is None:
        kwargs = {}
    if failure is None:
        try:
            values = result_values(task.func(*args, **kwargs), len(task.uids), name)
        except Exception as e:
            failure = (name, pool_tasks.error_tuple(e))
    del args, kwargs
    if failure is not None:
        for uid in task.uids:
            store(uid, FAILED, failure)
    else:
        for uid, value in zip(task.uids, values):
            store(uid, READY, value)
    flush()
