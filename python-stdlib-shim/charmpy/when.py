"""`@when("condition")`: an entry method runs only once its condition holds.

    class Cell(Chare):
        @when("self.iteration == iteration")
        def ghost(self, iteration, data):
            ...

The condition is a Python expression over `self` and the method's parameter names,
compiled once per method. A call whose condition is false waits (it runs as a
coroutine, suspended) and is delivered, in arrival order among the waiting calls of
that chare, as soon as the chare's state makes the condition true: the conditions
are re-checked after every entry method of the chare returns. Return values reach
`ret=True` futures as usual.

charm.start() installs this on classes that have `@when` methods: their conditional
methods become coroutines, and every entry method re-checks the waiting calls when
it returns.
"""
import functools
import inspect

import _charmpy

from .coro import _CORO_ATTR, when_condition

_WRAPPED_ATTR = '_charmpy_when_wrapped'


class _Waiting:
    __slots__ = ('fiber', 'code', 'scope', 'globals')

    def __init__(self, fiber, code, scope, globals_):
        self.fiber = fiber
        self.code = code
        self.scope = scope
        self.globals = globals_


def _recheck(chare):
    """Resumes the first waiting call of `chare` whose condition now holds; it
    re-checks the others when it returns in turn."""
    waiting = chare.__dict__.get('_charmpy_waiting')
    if not waiting:
        return
    for i, w in enumerate(waiting):
        if eval(w.code, w.globals, w.scope):
            del waiting[i]
            _charmpy.resume(w.fiber)
            return


def _conditional(func, condition):
    code = compile(condition, '<@when %r on %s>' % (condition, func.__qualname__), 'eval')
    signature = inspect.signature(func)

    @functools.wraps(func)
    def entry(self, *args, **kwargs):
        scope = signature.bind(self, *args, **kwargs).arguments
        if not eval(code, func.__globals__, scope):
            waiting = self.__dict__.setdefault('_charmpy_waiting', [])
            w = _Waiting(_charmpy.current_fiber(), code, scope, func.__globals__)
            waiting.append(w)
            while True:
                _charmpy.suspend()
                if w not in waiting:  # resumed by _recheck: the condition held
                    break
                waiting.remove(w)     # resumed for another reason: queue again, in place
                waiting.append(w)
        try:
            return func(self, *args, **kwargs)
        finally:
            _recheck(self)
    setattr(entry, _CORO_ATTR, True)  # may suspend until its condition holds
    setattr(entry, _WRAPPED_ATTR, True)
    return entry


def _rechecking(func):
    @functools.wraps(func)
    def entry(self, *args, **kwargs):
        try:
            return func(self, *args, **kwargs)
        finally:
            _recheck(self)
    setattr(entry, _WRAPPED_ATTR, True)
    return entry


def install(cls, methods):
    """For a class with @when methods, replaces every entry method in `methods`
    (name -> function) by its wrapper on `cls`; returns the updated mapping."""
    if not any(when_condition(f) is not None for f in methods.values()):
        return methods
    updated = {}
    for name, func in methods.items():
        original = getattr(func, '__wrapped__', func) if getattr(func, _WRAPPED_ATTR, False) else func
        condition = when_condition(original)
        wrapped = _conditional(original, condition) if condition is not None else _rechecking(original)
        setattr(cls, name, wrapped)
        updated[name] = wrapped
    return updated
