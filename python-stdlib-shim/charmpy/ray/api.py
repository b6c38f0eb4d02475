"""The functions of `charmpy.ray`: init, remote, get, put, wait, cancel (Ray's names and
signatures; see __init__.py for an example and the differences from Ray)."""
import operator

import _charmpy

from ..creation import Group
from .actors import actor_class, method  # noqa: F401  (ray.method)
from .exceptions import GetTimeoutError, task_error
from .node import RayNode
from .object_store import (cancel as cancel_here, created, flush, held, is_ready, local_value,
                           node_or_init, node_proxy, set_auto_init, set_node, store, wait_until)
from .resolve import copied
from .tasks import remote_function
from .object_ref import (failures_handled, MY_PE, NUM_PES, FULL_WEIGHT, READY, FAILED, ObjectRef,
                         new_uid, slots)


def init(*args, **kwargs):
    """Starts charmpy.ray: creates its group (one element per PE) and, from a coroutine
    (the entry function), waits until every PE has it. Ray's arguments (address,
    num_cpus, ...) are accepted and ignored: the job's PEs are the workers. A second
    call does nothing."""
    if node_proxy() is not None:
        return
    if RayNode is None:
        raise RuntimeError('ray.init(): charmpy.ray was imported after charm.start(); import it '
                           '(from charm4py import ray) at the top of the program')
    proxy = Group(RayNode)
    set_node(proxy)
    if _charmpy.current_fiber():
        proxy._charmpy_ray_ready(awaitable=True).get()


set_auto_init(init)


def is_initialized():
    """True once ray.init() has run (on this PE: its node exists)."""
    return node_proxy() is not None


def shutdown():
    """Accepted for Ray programs; the job ends with charm.exit()."""


def remote(*args, **kwargs):
    """`@ray.remote` on a function (tasks) or a class (actors); also
    `@ray.remote(num_returns=n)`. Resource options (num_cpus, ...) are ignored."""
    if len(args) == 1 and not kwargs and callable(args[0]):
        return _make_remote(args[0], 1)
    if args:
        raise TypeError('@ray.remote takes a function or a class, or only keyword options: '
                        '@ray.remote(num_returns=2)')
    num_returns = kwargs.get('num_returns', 1)
    return lambda target: _make_remote(target, num_returns)


def _make_remote(target, num_returns):
    if isinstance(target, type):
        return actor_class(target)
    return remote_function(target, num_returns)



def _as_ref_list(refs, what):
    single = isinstance(refs, ObjectRef)
    items = [refs] if single else refs
    if not isinstance(items, (list, tuple)):
        raise TypeError('%s takes an ObjectRef or a list of ObjectRefs, got %s'
                        % (what, type(refs).__name__))
    for r in items:
        if type(r) is not ObjectRef and not isinstance(r, ObjectRef):
            raise TypeError('%s takes ObjectRefs, got an element of type %s (%r)'
                            % (what, type(r).__name__, r))
    return single, list(items)


def _value(ref):
    state, value = local_value(ref.uid, ref.holder)
    if state == FAILED:
        failures_handled.add(ref.uid)
        raise task_error(*value)
    return value


def get(object_refs, timeout=None):
    """The value of a reference, or the list of values of a list of references,
    waiting (from a coroutine: the entry function, a task, an actor method) until they
    are ready. A task's exception is raised here (RayTaskError, also an instance of the
    original class, with the remote traceback). With `timeout` (seconds) raises
    `ray.exceptions.GetTimeoutError` when not all are ready in time."""
    single, refs = _as_ref_list(object_refs, 'ray.get()')
    if timeout is not None and timeout < 0:
        raise ValueError("ray.get(timeout=%r): 'timeout' must be >= 0 or None" % (timeout,))
    flush()
    if not wait_until(refs, len(refs), timeout, 'ray.get()'):
        raise GetTimeoutError('ray.get(): %d of %d object(s) not ready after %s s'
                              % (sum(1 for r in refs if not is_ready(r.uid, r.holder)),
                                 len(refs), timeout))
    if single:
        return _value(refs[0])
    values = []
    append = values.append
    for r in refs:   # _value(r), its common case inline
        obj = held.get(r.uid) if r.holder == MY_PE else slots.get(r.uid)
        if obj is not None and obj.state == READY:
            append(obj.value)
        else:
            append(_value(r))
    return values


def put(value):
    """Stores `value` on this PE and returns its reference (the value as it is now:
    later changes to the object are not seen)."""
    node_or_init('ray.put()')
    try:
        value = copied(value)   # NumPy arrays: one copy, read-only as in Ray
    except Exception as e:
        raise type(e)('ray.put(): the value (%s) cannot be stored: it must pickle: %s'
                      % (type(value).__name__, e)) from e
    uid = new_uid()
    created(uid)
    ref = ObjectRef(uid, MY_PE, FULL_WEIGHT)
    store(uid, READY, value)
    return ref


def wait(object_refs, num_returns=1, timeout=None, fetch_local=True):
    """`(ready, not_ready)`: waits until `num_returns` of `object_refs` are ready (or
    `timeout` seconds passed: then fewer may be ready, as in Ray), and splits the list,
    keeping its order; `ready` has at most num_returns references. The values of the
    ready ones are on this PE then (`fetch_local=False` is accepted; they are fetched
    anyway)."""
    if isinstance(object_refs, ObjectRef) or not isinstance(object_refs, (list, tuple)):
        raise TypeError('ray.wait() takes a list of ObjectRefs, got %s'
                        % type(object_refs).__name__)
    _, refs = _as_ref_list(object_refs, 'ray.wait()')
    if len(set(r.uid for r in refs)) != len(refs):
        raise ValueError('ray.wait(): the list holds the same ObjectRef twice')
    num_returns = operator.index(num_returns)
    if not 1 <= num_returns <= max(1, len(refs)) or (not refs and num_returns != 1):
        raise ValueError('ray.wait(): num_returns=%d, but there are %d references'
                         % (num_returns, len(refs)))
    if not refs:
        return [], []
    flush()
    ready = _first_ready(refs, num_returns)   # a wait loop: mostly ready already
    if len(ready) < num_returns:
        wait_until(refs, num_returns, timeout, 'ray.wait()')
        ready = _first_ready(refs, num_returns)
    taken = set(map(id, ready))
    return ready, [r for r in refs if id(r) not in taken]


def _first_ready(refs, count):
    ready = []
    for r in refs:
        if is_ready(r.uid, r.holder):
            ready.append(r)
            if len(ready) == count:
                break
    return ready


def cancel(object_ref, force=False, recursive=True):
    """Cancels the task (or queued actor call) that produces `object_ref` if it has
    not started yet: `ray.get` then raises `ray.exceptions.TaskCancelledError`. A task
    that started runs to its end (`force` is not supported)."""
    if not isinstance(object_ref, ObjectRef):
        raise TypeError('ray.cancel() takes an ObjectRef, got %s' % type(object_ref).__name__)
    if force:
        raise NotImplementedError('ray.cancel(force=True): charmpy cannot stop a running task')
    proxy = node_or_init('ray.cancel()')
    failures_handled.add(object_ref.uid)
    if object_ref.holder == MY_PE:
        cancel_here(object_ref.uid)
    else:
        proxy[object_ref.holder]._charmpy_ray_cancel(object_ref.uid)
    flush()


def nodes():
    """One entry per PE (Ray lists its nodes)."""
    return [{'NodeID': str(pe), 'Alive': True, 'Resources': {'CPU': 1.0}} for pe in range(NUM_PES)]


def cluster_resources():
    return {'CPU': float(NUM_PES)}


available_resources = cluster_resources
