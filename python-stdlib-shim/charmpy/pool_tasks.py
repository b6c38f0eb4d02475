"""What a `charm.pool` job is made of, on both sides: how a chunk applies its
function (MAP, STAR, MIXED), what the caller's futures receive (REPLY_*), functions
that travel by value, the values a job keeps of its arguments, and the errors that
name the task and function that failed.
"""
import pickle
import types

from . import _pickling, futures, section
from .coro import is_coro

# How a chunk applies its items: func(item), func(*item), or item = (func, arg).
MAP, STAR, MIXED = 0, 1, 2
# Added to the mode of jobs whose results nobody receives (Task without ret=): the
# worker sends back None for each task instead of a result that may not pickle.
NO_RESULT = 4
# What the caller's future(s) receive once the job is done.
REPLY_LIST, REPLY_ONE, REPLY_NONE, REPLY_PER_TASK, REPLY_NOTHING = range(5)


def as_list(iterable, what):
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


def snapshot(items):
    """`items` as they are now: itself when no task's item can change (a range, or
    immutable values), else a deep copy made the way the runtime pickles arguments."""
    if type(items) is range or all(_unchangeable(item) for item in items):
        return items
    return pickle.loads(_pickling.dumps(items, None))


class ByValue:
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


def sendable(func, what):
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
        return ByValue(func, section.ship_function(func, what))
    if isinstance(func, (types.FunctionType, types.BuiltinFunctionType)):
        _sendable_cache[func] = func
    return func


def function_name(func):
    """`module.qualname` of a task's function, for error messages."""
    if isinstance(func, ByValue):
        func = func.func
    if not hasattr(func, '__qualname__'):
        func = type(func)    # a callable object
    return '%s.%s' % (getattr(func, '__module__', None) or '?', func.__qualname__)


def first_unpicklable(values):
    """(index, pickling exception) of the first of `values` that does not pickle the
    way the runtime sends it, or (0, None) when each one does."""
    for k, value in enumerate(values):
        try:
            _pickling.dumps(value, _drop_buffer)
        except Exception as e:
            return k, e
    return 0, None


def _drop_buffer(buffer):
    return False   # out of band: first_unpicklable need not copy the bytes


def named_error(text, cause):
    """An exception of `cause`'s type (RuntimeError if that cannot be made) whose
    message is `text` followed by the cause's type and message."""
    text = '%s: %s: %s' % (text, type(cause).__name__, cause)
    try:
        error = type(cause)(text)
    except Exception:
        return RuntimeError(text)
    return error if str(error) == text else RuntimeError(text)


def error_tuple(exc):
    """(exception or None, traceback text, type name) as futures deliver it; the
    exception itself only when it survives pickling (its class may not rebuild)."""
    text = futures.format_exception(exc)
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        exc = None
    return (exc, text, type(exc).__name__ if exc is not None else 'Exception')
