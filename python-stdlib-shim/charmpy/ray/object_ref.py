"""Object references (`ObjectRef`) and this PE's record of the objects it references.

An object lives on the PE that produced it, its *holder* (the PE that ran the task or
the actor, or that called `ray.put`). A reference names it by a uid unique in the job
(the creating PE's counter times the number of PEs, plus that PE) and its holder.

Freeing uses weighted reference counting, so that passing a reference on needs no
message to the holder (and no race between "a copy is on its way" and "the last copy
here is gone"):
- every object has a total weight, which the holder tracks (`outstanding`); the PE
  that creates a reference starts with FULL_WEIGHT and the holder counts it;
- each PE keeps one `Slot` per object it references: the weight it holds and the
  number of live ObjectRef instances; pickling a reference (to send it) splits part
  of the PE's weight off into the pickle, and unpickling adds it to the receiving PE's
  slot;
- when the last ObjectRef of an object on a PE dies, the PE returns its weight to the
  holder (batched, see `take_decrefs`); when the holder has got every unit back, no
  reference exists anywhere and it frees the value; each other PE dropped its copy of
  the value with its slot.
A PE whose weight runs low asks the holder for more (the holder adds it to the total
before granting, so the total never falls short). A reference pickled but never
unpickled (e.g. only to measure it) keeps its object alive: a leak, never an early
free. Not supported: one pickle unpickled on several PEs (a broadcast of a reference).

Messages cannot be sent from `__del__` (it may run in the middle of a send): returned
weight and grant requests wait in per-holder queues that object_store.flush() sends,
at the next ray call or node message, or from a timer armed when the queue fills (a
timer only adds to the scheduler's heap, which is safe from anywhere), so that what a
program drops is freed even if it makes no further ray call.
"""
import itertools
import sys

import _charmpy

MY_PE = _charmpy.my_pe()
NUM_PES = _charmpy.num_pes()

FULL_WEIGHT = 1 << 100
LOW_WEIGHT = 1 << 60       # below this a PE asks the holder for FULL_WEIGHT more
_SPLIT_SMALL = 1 << 40     # below this a pickle takes half the weight, above 1/4096

PENDING, READY, FAILED = 0, 1, 2

uid_counter = itertools.count(1)   # this PE's uids: next(uid_counter) * NUM_PES + MY_PE


def new_uid():
    """A uid unique in the job, without communication."""
    return next(uid_counter) * NUM_PES + MY_PE


class Slot:
    """This PE's record of one object it references: the weight it holds, its live
    ObjectRef instances and, on PEs other than the holder, the value once fetched
    (with the callbacks waiting for it)."""

    __slots__ = ('holder', 'weight', 'count', 'state', 'value', 'callbacks', 'requested',
                 'grant_asked', 'expect_push', 'done_there')

    def __init__(self, holder):
        self.holder = holder
        self.weight = 0
        self.count = 0
        self.state = PENDING
        self.value = None
        self.callbacks = None
        self.requested = False     # asked the holder for the value
        self.grant_asked = False
        self.expect_push = False   # this PE made the call: its holder says when it is done
        self.done_there = False    # the holder said so (value not sent: large)


slots = {}            # uid -> Slot
failures_handled = set()  # failed objects whose error was raised here or sent on


def forget_failure(uid, failure):
    """A failed object is freed on this PE: its error is reported unless it was raised
    (ray.get), passed to a dependent call, or sent to another PE, which then reports
    it. Nothing is dropped silently (Ray prints such errors too)."""
    if uid in failures_handled:
        failures_handled.discard(uid)
        return
    try:
        name, (_, text, type_name) = failure
    except (TypeError, ValueError):
        name, text, type_name = '?', repr(failure), 'error'
    sys.stderr.write('charmpy.ray: warning: PE %d: the %s raised by %s was never retrieved (every '
                     'reference to its result was dropped without ray.get):\n%s\n'
                     % (MY_PE, type_name, name, text))
decrefs = {}          # holder PE -> [(uid, weight)] to send (object_store.flush)
grant_requests = {}   # holder PE -> [uid] to send
_local_decref = None  # object_store's: applies weight returned to this PE's objects
_local_grant = None   # object_store's: more weight for an object held here
_flush = None         # object_store's flush(), run by a timer
_flush_armed = False


def set_local_hooks(decref, grant, flush):
    """object_store's functions for objects held on this PE."""
    global _local_decref, _local_grant, _flush
    _local_decref, _local_grant, _flush = decref, grant, flush


def _arm_flush():
    global _flush_armed
    if not _flush_armed and _flush is not None:
        _flush_armed = True
        _charmpy.after(0.0, _flush)


class ObjectRef:
    """A reference to an object of the distributed object store: what `f.remote()`,
    `actor.method.remote()` and `ray.put()` return. Get the value with `ray.get(ref)`;
    pass it to tasks and actor methods (they receive the value). Hashable, equal on
    every PE for the same object; the object is freed once no reference to it remains
    anywhere."""

    __slots__ = ('uid', 'holder', '__weakref__')

    def __init__(self, uid, holder, weight):
        self.uid = uid
        self.holder = holder
        slot = slots.get(uid)
        if slot is None:
            slot = slots[uid] = Slot(holder)
        slot.count += 1
        slot.weight += weight

    def __del__(self):
        slot = slots.get(self.uid)
        if slot is None:
            return
        slot.count -= 1
        if slot.count > 0:
            return
        del slots[self.uid]
        if slot.state == FAILED:
            forget_failure(self.uid, slot.value)
        if slot.weight:
            if slot.holder == MY_PE:
                _local_decref(self.uid, slot.weight)
            else:
                decrefs.setdefault(slot.holder, []).append((self.uid, slot.weight))
                if not _flush_armed:
                    _arm_flush()
        # the slot, with this PE's copy of the value, goes when it returns

    def __reduce__(self):
        return (_rebuild, (self.uid, self.holder, take_weight(self.uid)))

    def __hash__(self):
        return hash(self.uid)

    def __eq__(self, other):
        return type(other) is ObjectRef and other.uid == self.uid

    def __ne__(self, other):
        return not self.__eq__(other)

    def hex(self):
        """The reference's id as a hex string (Ray's name)."""
        return '%x' % self.uid

    def binary(self):
        return self.uid.to_bytes(16, 'little')

    def __repr__(self):
        return 'ObjectRef(%s, held on PE %d)' % (self.hex(), self.holder)


def call_ref(uid, holder):
    """A new reference to the result `uid` of a call this PE makes (held by `holder`,
    which will say when it is done): what ObjectRef(uid, holder, FULL_WEIGHT) does,
    in fewer steps (this is on every task's path)."""
    slot = Slot(holder)
    slot.weight = FULL_WEIGHT
    slot.count = 1
    slot.expect_push = True
    slots[uid] = slot
    ref = _new_ref(ObjectRef)
    ref.uid = uid
    ref.holder = holder
    return ref


_new_ref = object.__new__


def _rebuild(uid, holder, weight):
    return ObjectRef(uid, holder, weight)


def take_weight(uid):
    """Splits part of this PE's weight of `uid` off for a copy being sent."""
    slot = slots[uid]
    w = slot.weight
    give = (w >> 12) if w >= _SPLIT_SMALL else (w >> 1)
    if give == 0:
        raise RuntimeError('charmpy.ray: the reference %x cannot be copied further from PE %d '
                           '(its weight is spent and more was asked for); drop some copies or '
                           'pass it on later' % (uid, MY_PE))
    slot.weight = w - give
    if slot.weight < LOW_WEIGHT and not slot.grant_asked:
        slot.grant_asked = True
        if slot.holder == MY_PE:
            _local_grant(uid)
            slot.weight += FULL_WEIGHT
            slot.grant_asked = False
        else:
            grant_requests.setdefault(slot.holder, []).append(uid)
            _arm_flush()
    return give


def granted(uid, weight):
    """The holder granted `weight` more for `uid`; False when this PE no longer
    references it (the caller returns the weight)."""
    slot = slots.get(uid)
    if slot is None:
        return False
    slot.weight += weight
    slot.grant_asked = False
    return True


def queue_return(holder, items):
    """Weight (uid, weight) pairs to return to `holder` with the next flush."""
    decrefs.setdefault(holder, []).extend(items)
    _arm_flush()


def pending_messages():
    return bool(decrefs) or bool(grant_requests)


def take_decrefs():
    """The returned weights queued so far, per holder (and empties the queue)."""
    global decrefs, _flush_armed
    out, decrefs = decrefs, {}
    _flush_armed = False
    return out


def take_grant_requests():
    global grant_requests
    out, grant_requests = grant_requests, {}
    return out
