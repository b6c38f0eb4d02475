"""Decorators for entry methods: `@coro` (alias `@threaded`) and `@when`.

A method marked `@coro` runs on its own fiber, so it may wait (`future.get()`,
`charm.wait`, `charm.sleep`, `charm.awaitCreation`) while the PE keeps running other
messages:

    class Worker(Chare):
        @coro
        def work(self, other):
            x = other.compute(ret=True).get()   # suspends this method only
            return x + 1

The program's entry function (and the constructor of an entry chare class) is always
a coroutine.
"""

_CORO_ATTR = '_charmpy_coro'
_WHEN_ATTR = '_charmpy_when'


def coro(func):
    """Marks an entry method (or a constructor) as a coroutine that may suspend.

    Returns `func` itself with a marker; charm.start() registers the method so that the
    runtime runs it on a fiber.
    """
    if not callable(func):
        raise TypeError('@coro decorates a method, got %r' % (func,))
    mark_coro(func.__func__ if isinstance(func, (staticmethod, classmethod)) else func)
    return func


def mark_coro(func):
    """Marks function `func` as a coroutine (what @coro does; @when's wrappers too)."""
    setattr(func, _CORO_ATTR, True)


threaded = coro  # charm4py's older name


def coro_ext(event_notify=False):
    """`@coro_ext()`: `@coro` in charm4py's extended spelling. charm4py's pool uses
    `event_notify=True` to hear when a task suspends and resumes; charmpy's pool
    schedules without it, so the flag is accepted and has no effect."""
    return coro


def is_coro(func):
    """True when `func` was marked with `@coro` / `@threaded`."""
    return getattr(func, _CORO_ATTR, False) is True


def when(cond_str):
    """`@when("cond")`: run the method only once `cond` (a Python expression over
    `self` and the method's parameters) holds; calls that arrive earlier wait, in
    arrival order (see charmpy/when.py)."""
    if not isinstance(cond_str, str):
        raise TypeError('@when takes the condition as a string, e.g. @when("self.ready")')

    def mark(func):
        setattr(func, _WHEN_ATTR, cond_str)
        return func
    return mark


def when_condition(func):
    """The `@when` condition of `func`, or None."""
    return getattr(func, _WHEN_ATTR, None)
