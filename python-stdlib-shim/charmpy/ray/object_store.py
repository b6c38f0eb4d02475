"""The objects this PE holds (produced here) and the values it waits for.

`held[uid]` is the holder's record of one object: its value once produced, the weight
still outstanding (see object_ref.py: when it reaches 0 no reference exists anywhere
and the record, with the value, goes), the PEs that asked for the value before it was
ready, and while a task is not started yet, how to cancel it.

A PE that needs the value of an object held elsewhere (to run a task that takes it,
or for `ray.get`) asks the holder directly (`fetch`); the holder sends the value to
that PE only, once: NumPy arrays travel out of band, as the runtime sends them. The
copy stays in the asking PE's slot while it references the object.

The node group (node.py) is how PEs talk: `node[pe]._charmpy_ray_*` entries call the
functions below.
"""
import sys

import _charmpy

from .. import futures
from ..pool_tasks import error_tuple
from .object_ref import (MY_PE, PENDING, FAILED, FULL_WEIGHT, failures_handled, forget_failure,
                         slots, set_local_hooks,
                         pending_messages, queue_return, take_decrefs, take_grant_requests)

node = None       # proxy of the RayNode group, once ray.init() reached this PE
auto_init = None  # api.py's ray.init(), for a first ray call made by PE 0's entry


def set_node(proxy):
    global node
    node = proxy


def node_proxy():
    """The node group's proxy on this PE, or None before ray.init() reached it."""
    return node


def set_auto_init(init):
    global auto_init
    auto_init = init


def node_or_init(what):
    """The node group's proxy; ray.init() first when PE 0's entry did not call it
    (Ray initialises on first use too)."""
    if node is None and MY_PE == 0 and auto_init is not None and _charmpy.current_fiber():
        auto_init()
    if node is None:
        raise RuntimeError('%s: charmpy.ray is not initialised on PE %d; call ray.init() in '
                           'the entry function first' % (what, MY_PE))
    return node


class Held:
    """The holder's record of one object (see the module docstring)."""

    __slots__ = ('outstanding', 'created', 'state', 'value', 'subscribers', 'callbacks',
                 'cancel', 'caller')

    def __init__(self):
        self.outstanding = 0
        self.created = False
        self.state = PENDING
        self.value = None
        self.subscribers = None
        self.callbacks = None
        self.cancel = None
        self.caller = -1   # the PE whose call makes it: told when it is done


held = {}   # uid -> Held

# What this PE's store did (tests read it): values it served to other PEs, large
# values (64 KiB and more) that arrived here, weight granted.
stats = {'values_served': 0, 'large_values_in': 0, 'grants': 0}


def held_entry(uid):
    h = held.get(uid)
    if h is None:
        h = held[uid] = Held()
    return h


def created(uid, caller=-1):
    """An object held here came into being (a task or call from PE `caller` arrived,
    a put): the creating PE's reference holds FULL_WEIGHT."""
    h = held_entry(uid)
    h.created = True
    h.caller = caller
    h.outstanding += FULL_WEIGHT
    if h.outstanding == 0:
        del held[uid]   # every reference is already gone
        return None
    return h


def returned(uid, weight):
    """Weight of `uid` came back from a PE that dropped its last reference."""
    h = held_entry(uid)
    h.outstanding -= weight
    if h.outstanding == 0 and h.created:
        del held[uid]
        if h.state == FAILED:
            forget_failure(uid, h.value)
    elif h.outstanding < 0 and h.created:
        sys.stderr.write('charmpy.ray: warning: PE %d got back more weight than issued for '
                         'object %x (a reference unpickled twice?)\n' % (MY_PE, uid))


def grant(uid):
    """More weight for a reference to `uid` (asked for by a PE running low)."""
    stats['grants'] += 1
    held_entry(uid).outstanding += FULL_WEIGHT


set_local_hooks(returned, grant, lambda: flush())


def small(value, depth=0):
    """Whether `value` is cheap to send: a call's small result goes to its caller at
    once (which will most likely ask for it); large ones travel only when asked for."""
    t = type(value)
    if t in (int, float, bool, complex, type(None)):
        return True
    if t in (str, bytes):
        return len(value) <= 65536
    nbytes = getattr(value, 'nbytes', None)
    if isinstance(nbytes, int):
        return nbytes <= 65536
    if t in (list, tuple, dict) and depth < 2 and len(value) <= 64:
        items = value.values() if t is dict else value
        return all(small(v, depth + 1) for v in items)
    return depth < 2 and sys.getsizeof(value) <= 4096


def store(uid, state, value):
    """The value (or failure) of an object held here is known: keep it, send it to the
    PEs that asked, tell the caller PE that made it (with the value when small), run
    the local callbacks. Nothing when every reference is gone already."""
    h = held.get(uid)
    if h is None or h.state != PENDING:
        return
    caller = h.caller
    h.state, h.value, h.cancel = state, value, None
    subscribers, h.subscribers = h.subscribers, None
    if caller >= 0 and caller != MY_PE and not (subscribers and caller in subscribers):
        if replies is not None and type(value) in _PLAIN and state != FAILED:
            batch = replies.get(caller)
            if batch is None:
                replies[caller] = [uid, state, value]
            else:
                batch += (uid, state, value)
        elif state == FAILED or small(value):
            send_value(caller, uid, state, value)
        else:
            node[caller]._charmpy_ray_done(uid)
    if subscribers:
        for pe in subscribers:
            send_value(pe, uid, state, value)
    callbacks, h.callbacks = h.callbacks, None
    if callbacks is not None:
        _call(callbacks)


# While a batch of tasks runs (tasks.run_batch), plain results for their callers
# collect here and leave as one flat message per caller (send_replies).
replies = None
_PLAIN = frozenset((int, float, str, bool, type(None)))


def collect_replies():
    global replies
    if replies is None:
        replies = {}


def send_replies():
    global replies
    batches, replies = replies, None
    if batches:
        for pe, flat in batches.items():
            node[pe]._charmpy_ray_values(*flat)


def send_value(pe, uid, state, value):
    stats['values_served'] += 1
    if state == FAILED:
        failures_handled.add(uid)   # the receiving PE reports it if nobody reads it
    try:
        node[pe]._charmpy_ray_value(uid, state, value)
    except Exception as e:   # the value does not pickle: the receiver gets the error
        node[pe]._charmpy_ray_value(uid, FAILED, ('send', error_tuple(
            TypeError('the value of object %x cannot be sent to PE %d: %s: %s'
                      % (uid, pe, type(e).__name__, e)))))


def fetch(uid, pe):
    """PE `pe` asks for the value of `uid`, held here."""
    h = held_entry(uid)
    if h.state != PENDING:
        send_value(pe, uid, h.state, h.value)
    elif h.subscribers is None:
        h.subscribers = [pe]
    else:
        h.subscribers.append(pe)


def arrived_plain(flat):
    """Values of plain types (see _PLAIN) of objects held elsewhere, as a flat
    (uid, state, value, ...) tuple: arrived() for each, in fewer steps."""
    get = slots.get
    for i in range(0, len(flat), 3):
        slot = get(flat[i])
        if slot is None or slot.state != PENDING:
            continue   # no reference left here: dropped
        slot.state, slot.value = flat[i + 1], flat[i + 2]
        callbacks = slot.callbacks
        if callbacks is not None:
            slot.callbacks = None
            if type(callbacks) is list:
                for cb in callbacks:
                    cb()
            else:
                callbacks()


def arrived(uid, state, value):
    """The value of `uid` (held elsewhere) arrived here."""
    nbytes = getattr(value, 'nbytes', 0)
    if isinstance(nbytes, int) and nbytes >= 65536:
        stats['large_values_in'] += 1
    slot = slots.get(uid)
    if slot is None or slot.state != PENDING:
        return   # no reference left here: dropped
    slot.state, slot.value = state, value
    callbacks, slot.callbacks = slot.callbacks, None
    if callbacks is not None:
        _call(callbacks)


def done_there(uid):
    """The holder of `uid`, made by a call from this PE, has its (large) value: ask
    for it if someone here waits."""
    slot = slots.get(uid)
    if slot is None or slot.state != PENDING:
        return
    slot.done_there = True
    if slot.callbacks and not slot.requested:
        slot.requested = True
        node[slot.holder]._charmpy_ray_fetch(uid, MY_PE)


def when_ready(uid, holder, cb):
    """Calls cb() once the value of `uid` (or its failure) is on this PE: now when it
    is; else later, asking the holder for it (once per PE; a PE that made the call
    asks only once the holder said it is done, a small value comes unasked)."""
    if holder == MY_PE:
        h = held_entry(uid)
        if h.state != PENDING:
            cb()
        else:
            h.callbacks = _added(h.callbacks, cb)
        return
    slot = slots[uid]
    if slot.state != PENDING:
        cb()
        return
    slot.callbacks = _added(slot.callbacks, cb)
    if not slot.requested and (not slot.expect_push or slot.done_there):
        slot.requested = True
        node[holder]._charmpy_ray_fetch(uid, MY_PE)


def _call(callbacks):
    """Calls what waits for an object: `callbacks` is one callable or a list of them
    (one alone, the common case, needs no list: fewer objects for the cyclic GC)."""
    if type(callbacks) is list:
        for cb in callbacks:
            cb()
    else:
        callbacks()


def _added(callbacks, cb):
    """`callbacks` (None, one callable or a list) with `cb` added; a fiber's waiter
    only once (it may be there from the fiber's previous wait)."""
    if callbacks is None:
        return cb
    if type(callbacks) is not list:
        if callbacks is cb and type(cb) is _Waiter:
            return callbacks
        return [callbacks, cb]
    if type(cb) is not _Waiter or cb not in callbacks:
        callbacks.append(cb)
    return callbacks


class _Waiter:
    """What a coroutine waits with (wait_until): one per fiber, reused by its successive
    waits, so that a ray.wait loop over the same references registers with each of
    them once, not once per round. Calling it (a reference became ready) counts; once
    the count reaches what the wait needs it resumes the fiber, which counts again
    (a call may come from a reference of an earlier wait)."""

    __slots__ = ('fiber', 'waiting', 'call', 'expired', 'count', 'need')

    def __init__(self, fiber):
        self.fiber = fiber
        self.waiting = False
        self.call = 0        # number of the current wait (timers of earlier ones are stale)
        self.expired = 0     # number of the wait whose timeout passed
        self.count = self.need = 0

    def __call__(self):
        self.count += 1
        if self.waiting and self.count >= self.need:
            self.waiting = False
            _charmpy.resume(self.fiber)

    def expire_for(self, call):
        def expire():
            self.expired = call
            if self.waiting:
                self.waiting = False
                _charmpy.resume(self.fiber)
        return expire


_waiters = {}   # fiber -> _Waiter


def is_ready(uid, holder):
    if holder == MY_PE:
        h = held.get(uid)
        return h is not None and h.state != PENDING
    slot = slots.get(uid)
    return slot is not None and slot.state != PENDING


def local_value(uid, holder):
    """(state, value) of `uid` on this PE (after when_ready called back)."""
    obj = held.get(uid) if holder == MY_PE else slots.get(uid)
    if obj is None:
        return PENDING, None
    return obj.state, obj.value


def return_weight(holder, items):
    """Weight granted for references dropped meanwhile goes back (with the next flush)."""
    queue_return(holder, items)


def cancel(uid):
    """ray.cancel() of a call whose results are held here: its results fail with
    TaskCancelledError unless it started; one that has not arrived yet is cancelled on
    arrival."""
    h = held_entry(uid)
    if h.state != PENDING:
        return
    failures_handled.add(uid)   # cancelled on purpose: no report if nobody reads it
    if callable(h.cancel):
        h.cancel()
    elif h.cancel is None and not h.created:
        h.cancel = 'requested'


def flush():
    """Sends the weight returned and the grants asked for since the last flush, one
    message per holder. Called wherever sending is safe: every ray call, every
    entry of the node group, after every task and actor call."""
    if node is None or not pending_messages():
        return
    for pe, items in take_decrefs().items():
        node[pe]._charmpy_ray_decref(items)
    for pe, uids in take_grant_requests().items():
        node[pe]._charmpy_ray_grant_request(uids, MY_PE)


before_wait = None   # tasks.py's send_batches: calls batched here go out before a wait


def set_before_wait(fn):
    global before_wait
    before_wait = fn


def wait_until(refs, need, timeout, what):
    """Suspends the running coroutine until `need` of `refs` are ready on this PE or
    `timeout` seconds (None: no limit) passed. Returns whether `need` were ready.
    Outside a coroutine only what is ready already counts (no waiting possible)."""
    if before_wait is not None:
        before_wait()
    fiber = _charmpy.current_fiber()
    distinct = {ref.uid: ref for ref in refs}
    if len(distinct) < len(refs):   # ray.get([r, r]), f.remote(r, [r]): count each once
        refs = list(distinct.values())
        need = min(need, len(refs))
    pending = []
    count = _count_ready(refs, need, pending)
    if count >= need:
        return True
    flush()
    if timeout is not None and timeout <= 0:
        return False
    if not fiber:
        futures.current_fiber_or_raise(what)   # raises NotThreadedError
    w = _waiters.get(fiber)
    if w is None:
        w = _waiters[fiber] = _Waiter(fiber)
    for ref in pending:   # when_ready(ref.uid, ref.holder, w), its common case inline
        holder = ref.holder
        if holder != MY_PE:
            slot = slots[ref.uid]
            if (slot.callbacks is None and slot.state == PENDING and slot.expect_push
                    and not slot.done_there):
                slot.callbacks = w   # a small value comes unasked, a large one says done
                continue
        when_ready(ref.uid, holder, w)   # once per reference (see _added)
    flush()
    w.call += 1
    call = w.call
    w.count, w.need = count, need
    if timeout is not None:
        _charmpy.after(float(timeout), w.expire_for(call))
    futures.about_to_wait()
    while True:
        if w.count >= need:
            w.count = _count_ready(refs, need, None)
            if w.count >= need:
                return True
        if w.expired == call:
            return False
        w.waiting = True
        _charmpy.suspend(what)
        w.waiting = False


def _count_ready(refs, need, pending):
    """How many of `refs` are ready here (counting stops at `need` unless the pending
    ones are wanted in `pending`)."""
    count = 0
    for ref in refs:   # is_ready(ref.uid, ref.holder), inline
        obj = held.get(ref.uid) if ref.holder == MY_PE else slots.get(ref.uid)
        if obj is not None and obj.state != PENDING:
            count += 1
            if count >= need and pending is None:
                break
        elif pending is not None:
            pending.append(ref)
    return count
