"""Futures: values that arrive later, possibly from another PE.

    f = Future()                 # owned by this PE
    workers[3].compute(x, f)     # futures pickle: send them anywhere...
    ...                          # ...where the receiver calls f.send(value) or f(value)
    value = f.get()              # waits (coroutines only); the PE keeps working

`proxy.method(..., ret=True)` returns a Future of the method's return value, and
`awaitable=True` one that resolves to None when the call is done. An exception raised
by the remote method is raised again by `get()`, with the remote traceback attached;
except that, as in charm4py, a broadcast with `ret=True` gives the list of results
with the exception of each element that raised in its place.

Waiting suspends the running fiber: only code running as a coroutine (the entry
function, a `@coro` method or constructor) may call `get()`, `charm.wait`,
`charm.iwait` or `charm.sleep`.
"""
import sys
import traceback

import _charmpy

_MY_PE = _charmpy.my_pe()

# Futures owned by this PE that still wait for values: fid -> Future. The runtime's
# deliver_future hook finds them here; a Future leaves the table once complete.
_live = {}

# Set by the start-up phase (charmpy/_startup.py): called once before the entry's
# first suspension, to release the readonlies. Every way of waiting calls it
# (through about_to_wait), or the entry's held calls would never go out.
before_suspend = None


def about_to_wait():
    """Called by every call that may suspend the running coroutine (Future.get,
    charm.wait/iwait, Chare.wait, Channel.recv, ...) before it does: the entry's
    first wait ends the start-up phase."""
    hook = before_suspend
    if hook is not None:
        hook()


class RemoteException(RuntimeError):
    """An exception raised by a remote method that could not travel as itself (its
    object did not pickle). `type_name` is the remote exception's class name and
    `remote_stacktrace` the remote traceback text (also in the message)."""

    def __init__(self, type_name, remote_stacktrace):
        super().__init__('%s raised remotely:\n%s' % (type_name, remote_stacktrace))
        self.type_name = type_name
        self.remote_stacktrace = remote_stacktrace


def _remote_exception(value):
    """The exception to raise for a delivered (exception, traceback text, type name)."""
    try:
        exc, text, type_name = value
    except (TypeError, ValueError):
        return RemoteException(type(value).__name__, repr(value))
    if isinstance(exc, BaseException):
        exc.remote_stacktrace = text
        if hasattr(exc, 'add_note'):
            exc.add_note('\n[charmpy] the exception above was raised remotely:\n' + text)
        return exc
    return RemoteException(type_name, text)


def format_exception(exc):
    """Runtime hook: the traceback text sent with an exception to the caller's future."""
    text = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return '--- traceback on PE %d ---\n%s' % (_MY_PE, text)


class NotThreadedError(RuntimeError):
    """Raised by a call that waits (Future.get, Channel.recv, charm.wait, ...) made
    outside a coroutine (charm4py's name; a RuntimeError)."""


def current_fiber_or_raise(what):
    """The running fiber's handle; NotThreadedError naming `what` outside a coroutine."""
    fiber = _charmpy.current_fiber()
    if not fiber:
        raise NotThreadedError(
            '%s waits, so it can only be called from a coroutine: the entry function, or '
            'a method or constructor decorated with @coro' % what)
    return fiber


def _suspend_until(waitable, what):
    """Suspends the running fiber until `waitable` (a Future) is done."""
    fiber = current_fiber_or_raise(what)
    about_to_wait()
    if waitable._done:
        return
    if waitable._waiters is None:
        waitable._waiters = [fiber]
    else:
        waitable._waiters.append(fiber)
    while not waitable._done:
        _charmpy.suspend(waitable)


_wait = _charmpy.future_wait


class Future:
    """A value (or `num_vals` values) that will be sent to this PE later.

    Created on the PE that will `get()` it. Anyone holding it (on any PE, it pickles)
    sets it with `send(value)` or by calling it. `get()` returns the value, or the list
    of `num_vals` values in arrival order, and raises a received exception.
    """

    __slots__ = ('pe', 'fid', 'num_vals', '_values', '_done', '_exc', '_waiters',
                 '_callbacks', '_discard', '_owned', '__weakref__')

    def __init__(self, num_vals=1, store=False, senders=None):
        if senders is not None:   # charm4py's earlier name of num_vals (createFuture(senders=N))
            if num_vals != 1 and num_vals != senders:
                raise TypeError('Future(num_vals=%r, senders=%r): give one of them' % (num_vals, senders))
            num_vals = senders
        if store:
            raise NotImplementedError('Future(store=True): futures kept in an object store are charm4py\'s '
                                      'Ray-style API internals; use charmpy.ray (ray.put, ray.get) instead')
        if not isinstance(num_vals, int) or num_vals < 1:
            raise ValueError('Future(num_vals=%r): num_vals must be an int >= 1' % (num_vals,))
        self.pe = _MY_PE
        self.fid = _charmpy.new_future_id()
        self.num_vals = num_vals
        self._values = []
        self._done = False
        self._exc = None
        self._waiters = None
        self._callbacks = None
        self._discard = False   # awaitable=True calls: the value is None whatever arrives
        self._owned = True
        _live[self.fid] = self

    # --- the public API ---------------------------------------------------------
    def get(self):
        """Waits for the value(s) and returns them (the list of `num_vals` values when
        num_vals > 1). Raises the exception sent instead of a value. Only from a
        coroutine, and only on the PE that created the future."""
        if not self._done:
            if not self._owned:
                raise RuntimeError('Future.get(): this future belongs to PE %d; only that PE '
                                   'can wait for it' % self.pe)
            if not _wait(self):  # C's _suspend_until (future_setup below), or Python's
                _suspend_until(self, 'Future.get()')
        if self._exc is not None:
            raise self._exc
        if self.num_vals == 1:
            value = self._values[0]
            if isinstance(value, Exception):
                raise value
            return value
        for value in self._values:
            if isinstance(value, Exception):
                raise value
        return list(self._values)

    def send(self, result=None):
        """Sets the future (one of its values when num_vals > 1), from any PE."""
        _charmpy.send_future(self.pe, self.fid, result)

    __call__ = send

    def ready(self):
        """True once every value (or an exception) has arrived."""
        return self._done

    @property
    def src(self):
        """The PE that created the future (charm4py's name of `pe`)."""
        return self.pe

    @property
    def nvals(self):
        """The number of values it expects (charm4py's name of `num_vals`)."""
        return self.num_vals

    def __reduce__(self):
        return (_rebuild_future, (self.pe, self.fid, self.num_vals))

    def __repr__(self):
        state = 'done' if self._done else 'pending'
        return '<Future pe=%d fid=%d %s>' % (self.pe, self.fid, state)

    # --- used by the package --------------------------------------------------------
    def _deliver(self, value, is_exception):
        """A value arrived (scheduler context, or a timer)."""
        if self._done:
            return
        if is_exception:
            self._exc = _remote_exception(value)
        else:
            self._values.append(None if self._discard else value)
            if len(self._values) < self.num_vals:
                return
        self._done = True
        _live.pop(self.fid, None)
        callbacks, self._callbacks = self._callbacks, None
        if callbacks:
            for fn in callbacks:
                fn(self)
        waiters, self._waiters = self._waiters, None
        if waiters:
            for fiber in waiters:
                _charmpy.resume(fiber)

    def _on_done(self, fn):
        """Calls fn(self) when the future completes (now if it already has)."""
        if self._done:
            fn(self)
        elif self._callbacks is None:
            self._callbacks = [fn]
        else:
            self._callbacks.append(fn)

    def _forget(self):
        """Drops a future that will never be set (its send failed)."""
        _live.pop(self.fid, None)

    def _callback_tuple(self):
        """This future as a runtime callback (reduction / quiescence target)."""
        return ('future', self.pe, self.fid)


# Futures made and resolved in C on hot paths (allreduce of a number), and
# Future.get's wait (_wait): the same slots and steps as the methods above.
_charmpy.future_setup(Future, _live, globals())


def _rebuild_future(pe, fid, num_vals):
    """Unpickles a future: the live object on its own PE, else a handle to send to."""
    if pe == _MY_PE:
        live = _live.get(fid)
        if live is not None:
            return live
    f = Future.__new__(Future)
    f.pe, f.fid, f.num_vals = pe, fid, num_vals
    f._values, f._done, f._exc = [], False, None
    f._waiters = f._callbacks = None
    f._discard = False
    f._owned = False
    return f


# Kinds of deliver_future values.
_VALUE, _EXCEPTION, _LIST_WITH_FAILURES = 0, 1, 2


def deliver_future(fid, value, kind):
    """The runtime's hook: a value for future `fid` of this PE arrived: a value, an
    exception, or (list, failed positions) of a ret=True broadcast where some
    elements raised, whose list gets their exceptions in place (as in charm4py)."""
    f = _live.get(fid)
    if f is None:
        sys.stderr.write('charmpy: warning: PE %d got a value for future %d, which is not '
                         'waiting for one (already complete?); ignored\n' % (_MY_PE, fid))
        return
    if kind == _LIST_WITH_FAILURES:
        value, failed = value
        for i in failed:
            value[i] = _remote_exception(value[i])
        kind = _VALUE
    f._deliver(value, kind == _EXCEPTION)


def iwait(objs):
    """Yields each of `objs` (futures) as it becomes ready (ready ones first). From a
    coroutine."""
    objs = list(objs)
    for obj in objs:
        if not isinstance(obj, Future):
            if hasattr(obj, '_on_done') and hasattr(obj, 'ready'):
                continue  # a Channel: always this PE's
            raise TypeError('charm.wait/iwait take futures and channels, got %r' % (obj,))
        if not obj._owned and not obj._done:
            raise RuntimeError('charm.wait/iwait: %r belongs to PE %d; only that PE can wait '
                               'for it' % (obj, obj.pe))
    pending = []
    for obj in objs:
        if obj.ready():
            yield obj
        else:
            pending.append(obj)
    if not pending:
        return
    fiber = current_fiber_or_raise('charm.wait()/iwait()')
    ready = []
    state = {'waiting': False}

    def notify(f):
        ready.append(f)
        if state['waiting']:
            state['waiting'] = False
            _charmpy.resume(fiber)

    for obj in pending:
        obj._on_done(notify)
    remaining = len(pending)
    while remaining:
        if not ready:
            about_to_wait()
            while not ready:
                state['waiting'] = True
                _charmpy.suspend(pending)
        remaining -= 1
        yield ready.pop(0)


def wait(objs):
    """Waits until every one of `objs` (futures) is ready. From a coroutine."""
    for _ in iwait(objs):
        pass


def sleep(secs):
    """Suspends the calling coroutine for `secs` seconds while the PE keeps working
    (outside a coroutine it blocks the PE, like time.sleep)."""
    if not _charmpy.current_fiber():
        import time
        time.sleep(secs)
        return
    f = Future()
    _charmpy.after(float(secs), lambda: f._deliver(None, False))
    f.get()
