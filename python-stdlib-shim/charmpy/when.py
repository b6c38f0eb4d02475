"""`@when("condition")`: an entry method runs only once its condition holds.

    class Cell(Chare):
        @when("self.iteration == iteration")
        def ghost(self, iteration, data):
            ...

The condition is a Python expression over `self` and the method's parameter names,
compiled once per method. A call whose condition is false waits (it runs as a
coroutine, suspended) and is delivered, in arrival order among the waiting calls of
that chare, as soon as the chare's state makes the condition true: the runtime
re-checks the waiting conditions after every entry method of the chare returns and
whenever one of its coroutines pauses (`recheck`, a hook of `_charmpy`). Return values reach `ret=True` futures as usual.
`Chare.wait("condition")` suspends a coroutine the same way.

charm.start() installs this on classes that have `@when` methods: their conditional
methods become coroutines that wait for their condition.
"""
import functools
import inspect

import _charmpy

from . import futures
from .coro import mark_coro, when_condition

_WRAPPED_ATTR = '_charmpy_when_wrapped'


class Waiting:
    """A coroutine suspended until a condition holds (diagnosis.py describes it)."""

    __slots__ = ('fiber', 'code', 'scope', 'globals')

    def __init__(self, fiber, code, scope, globals_):
        self.fiber = fiber
        self.code = code
        self.scope = scope
        self.globals = globals_


def recheck(chare):
    """Resumes the first waiting call of `chare` whose condition now holds (the
    runtime calls this again once that call's method has returned)."""
    waiting = chare.__dict__.get('_charmpy_waiting')
    if not waiting:
        return
    for i, w in enumerate(waiting):
        if eval(w.code, w.globals, w.scope):
            del waiting[i]
            _charmpy.resume(w.fiber)
            return


def wait_until(chare, code, scope, globals_):
    """Suspends the running coroutine until `code` holds in `scope` (re-checked after
    each entry method of `chare`)."""
    if eval(code, globals_, scope):
        return
    fiber = _charmpy.current_fiber()
    if not fiber:
        raise RuntimeError('waiting for a condition needs a coroutine (the entry function or '
                           'an @coro method)')
    futures.about_to_wait()
    _charmpy.note_waiting()  # the runtime re-checks waiting lists from now on
    waiting = chare.__dict__.setdefault('_charmpy_waiting', [])
    w = Waiting(fiber, code, scope, globals_)
    waiting.append(w)
    while w in waiting:
        _charmpy.suspend(w)


_compiled = {}


def compile_condition(condition):
    """`condition` compiled once (cached by its text)."""
    code = _compiled.get(condition)
    if code is None:
        code = _compiled[condition] = compile(condition, '<condition %r>' % condition, 'eval')
    return code


def _conditional(func, condition):
    code = compile(condition, '<@when %r on %s>' % (condition, func.__qualname__), 'eval')
    signature = inspect.signature(func)

    @functools.wraps(func)
    def entry(self, *args, **kwargs):
        wait_until(self, code, signature.bind(self, *args, **kwargs).arguments, func.__globals__)
        return func(self, *args, **kwargs)
    mark_coro(entry)  # may suspend until its condition holds
    setattr(entry, _WRAPPED_ATTR, True)
    return entry


def install(cls, methods):
    """Replaces the @when methods among `methods` (name -> function) by their
    waiting wrappers on `cls`; returns the updated mapping."""
    updated = dict(methods)
    for name, func in methods.items():
        if getattr(func, _WRAPPED_ATTR, False):
            continue  # wrapped already (registered through a base class)
        condition = when_condition(func)
        if condition is not None:
            updated[name] = _conditional(func, condition)
            setattr(cls, name, updated[name])
    return updated
