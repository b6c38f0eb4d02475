"""Arguments that are references: found in a call's arguments, waited for, replaced by
their values before a task or actor method runs.

References are resolved when they are arguments themselves (positional or keyword)
or elements of a list or tuple argument; references nested deeper reach the function
as references (as in Ray, which resolves only top-level ones). The values come from
their holders straight to the PE running the call (object_store.when_ready asks each
holder directly), never through the caller.
"""
import pickle

from .object_ref import ObjectRef, FAILED, failures_handled
from .object_store import local_value, wait_until, when_ready


def _found(value, refs):
    t = type(value)
    if t is ObjectRef:
        refs.append(value)
        return True
    if t is list or t is tuple:
        found = False
        for v in value:
            if type(v) is ObjectRef:
                refs.append(v)
                found = True
        return found
    return False


def references_in(args, kwargs):
    """The references among `args` and `kwargs` (top level and in lists/tuples)."""
    refs = []
    for a in args:
        _found(a, refs)
    if kwargs:
        for v in kwargs.values():
            _found(v, refs)
    return refs


def _value(ref):
    return local_value(ref.uid, ref.holder)[1]


def _substitute(value):
    t = type(value)
    if t is ObjectRef:
        return _value(value)
    if t is list:
        return [_value(v) if type(v) is ObjectRef else v for v in value]
    if t is tuple:
        return tuple(_value(v) if type(v) is ObjectRef else v for v in value)
    return value


def when_resolved(refs, start):
    """Calls start() once the values of `refs` are all on this PE (now if they are)."""
    pending = [len(refs)]

    def one_ready():
        pending[0] -= 1
        if pending[0] == 0:
            start()

    for ref in refs:
        when_ready(ref.uid, ref.holder, one_ready)


def substituted(args, kwargs, refs):
    """(args, kwargs, None) with the values of `refs` (all here) in place, or (None,
    None, failure) when one of them failed."""
    for ref in refs:
        state, value = local_value(ref.uid, ref.holder)
        if state == FAILED:
            failures_handled.add(ref.uid)   # the dependent call's results carry it on
            return None, None, value
    args = tuple(_substitute(a) for a in args)
    if kwargs:
        kwargs = {k: _substitute(v) for k, v in kwargs.items()}
    return args, kwargs, None


def resolve(args, kwargs, what):
    """Waits (the running coroutine) until every reference argument's value is here;
    returns (args, kwargs, None) with the values in place, or (None, None, failure)
    when one of them failed (the failure value that the call's results take)."""
    refs = references_in(args, kwargs)
    if not refs:
        return args, kwargs, None
    wait_until(refs, len(refs), None, what)
    return substituted(args, kwargs, refs)


_IMMUTABLE = frozenset((int, float, str, bytes, bool, complex, type(None)))


def copied(value):
    """`value` as it is now, for a value the caller may still change (put, an actor's
    result): immutable values as they are, a NumPy array copied once and read-only,
    anything else through pickle with its buffers (arrays inside) copied once."""
    t = type(value)
    if t in _IMMUTABLE:
        return value
    if t.__name__ == 'ndarray' and hasattr(value, 'setflags'):
        value = value.copy()
        value.setflags(write=False)
        return value
    buffers = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return pickle.loads(data, buffers=[bytearray(b.raw()) for b in buffers])


def result_values(result, count, name):
    """The `count` values of a call that returned `result` (num_returns=count)."""
    if count == 1:
        return [result]
    try:
        values = list(result)
    except TypeError:
        values = None
    if values is None or len(values) != count:
        raise ValueError('%s was declared with num_returns=%d but returned %s, not a sequence '
                         'of %d values' % (name, count, 'a %s of %d' % (type(result).__name__, len(values))
                                           if values is not None else type(result).__name__, count))
    return values
