"""What the coroutines of a PE wait for: the deadlock report and `kill -USR1`.

Every way of waiting (Future.get, charm.wait/iwait, Channel.recv, Chare.wait,
@when) passes what it waits for to `_charmpy.suspend(what)`; the runtime keeps it
with the suspended fiber (only at suspension: nothing on the message path).

- Deadlock: when the whole job is quiescent (no message in flight, no timer
  pending, every PE idle) while coroutines wait, nothing can ever wake them. PE 0
  gathers `report()` from every PE, prints it and ends the job non-zero
  (runtime/deadlock_detector.h; `+deadlockTimeout S`, 0 turns it off).
- SIGUSR1 (`kill -USR1` to mpirun, which forwards it to every rank): each PE prints
  where it runs now and its waiting coroutines, then goes on. Python runs the
  handler at the next bytecode of a busy PE, or at once when it is idle (the
  scheduler checks for signals when it has nothing to do).
"""
import os
import signal
import sys
import traceback

import _charmpy

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_MY_PE = _charmpy.my_pe()


def _is_user_frame(frame):
    return not frame.f_code.co_filename.startswith(_PACKAGE_DIR)


_START_FILE = os.path.join(_PACKAGE_DIR, 'charm.py')


def _user_stack(frame):
    """The frames of the program (not of the charmpy package) from `frame`
    outwards, outermost first, as traceback.FrameSummary; on the scheduler's own
    stack, only those that charm.start's scheduler called (the entry methods it
    runs), not the program's top level that called charm.start."""
    frames = []
    while frame is not None:
        code = frame.f_code
        if code.co_name == 'start' and code.co_filename == _START_FILE:
            break
        if _is_user_frame(frame):
            frames.append(frame)
        frame = frame.f_back
    frames.reverse()
    return traceback.StackSummary.extract((f, f.f_lineno) for f in frames)


def _chare_name(chare):
    from .proxy import ChareProxy
    name = type(chare).__qualname__
    if isinstance(getattr(chare, 'thisProxy', None), ChareProxy):
        return name  # a single chare: no index
    index = getattr(chare, 'thisIndex', None)
    if isinstance(index, tuple) and len(index) == 1:
        index = index[0]
    return name if index is None else '%s[%r]' % (name, index)


def _proxy_name(proxy):
    info = getattr(type(proxy), '_info', None)
    name = info.cls.__qualname__ if info is not None else type(proxy).__name__
    index = getattr(proxy, '_index', None)
    if isinstance(index, tuple) and len(index) == 1:
        index = index[0]
    return name if index is None else '%s[%r]' % (name, index)


def _short_repr(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def describe(what):
    """What a coroutine waits for, in words."""
    from .channel import Channel
    from .futures import Future
    from .when import Waiting
    if isinstance(what, Future):
        return 'a future (%r)' % (what,)
    if isinstance(what, Channel):
        return 'a message on channel #%d from %s (Channel.recv(); %d received before)' % (
            what._number, _proxy_name(what._remote), what._next)
    if isinstance(what, Waiting):
        source = what.code.co_filename  # '<@when 'cond' on Class.method>' or '<condition 'cond'>'
        if source.startswith('<@when '):
            condition = source[len('<@when '):-1].rsplit(' on ', 1)[0]
            arguments = ', '.join('%s=%s' % (k, _short_repr(v)) for k, v in what.scope.items() if k != 'self')
            return 'its @when condition %s to hold (called with %s)' % (condition, arguments or 'no arguments')
        if source.startswith('<condition '):
            return 'the wait condition %s to hold (Chare.wait)' % source[len('<condition '):-1]
        return 'a condition to hold (%s)' % source
    if isinstance(what, (list, tuple)):
        pending = [w for w in what if not w.ready()]
        return 'charm.wait/iwait on %d of %d: %s' % (
            len(pending), len(what), '; '.join(describe(w) for w in pending))
    if what is None:
        return 'something not recorded'
    return repr(what)


def _describe_coroutine(chare, method, what, frame):
    stack = _user_stack(frame)
    if chare is not None:
        who = '%s.%s' % (_chare_name(chare), method) if method else _chare_name(chare)
    elif stack:
        who = 'the entry function %s()' % stack[0].name
    else:
        who = 'a coroutine'
    where = ''
    if stack:
        where = ' at %s:%d' % (stack[-1].filename, stack[-1].lineno)
    elif chare is not None and method:  # an @when call waiting before its method started
        func = getattr(getattr(type(chare), method, None), '__wrapped__', None)
        code = getattr(func, '__code__', None)
        if code is not None:
            where = ' (defined at %s:%d)' % (code.co_filename, code.co_firstlineno)
    lines = ['PE %d: %s waits for %s%s\n' % (_MY_PE, who, describe(what), where)]
    lines.extend('  ' + line for line in ''.join(stack.format()).splitlines(True))
    return ''.join(lines)


# A report names at most this many coroutines per PE (thousands may wait, e.g. calls
# buffered by @when); the rest are counted.
MAX_REPORTED = 20


def report():
    """This PE's waiting coroutines, one block each (empty when none waits)."""
    out = []
    waiting = _charmpy.waiting_coroutines()
    if len(waiting) > MAX_REPORTED:
        out.append('PE %d: %d coroutines wait; the first %d:\n' % (_MY_PE, len(waiting), MAX_REPORTED))
        waiting = waiting[:MAX_REPORTED]
    for chare, method, what, frame in waiting:
        try:
            out.append(_describe_coroutine(chare, method, what, frame))
        except Exception as e:  # a report must never take the job down by itself
            out.append('PE %d: a coroutine waits (describing it failed: %r)\n' % (_MY_PE, e))
    return ''.join(out)


def _on_sigusr1(signum, frame):
    stack = _user_stack(frame)
    if stack:
        head = 'charmpy: PE %d got SIGUSR1; it runs:\n%s' % (_MY_PE, ''.join(stack.format()))
    else:  # called by the idle scheduler, or in the middle of charmpy's own code
        head = 'charmpy: PE %d got SIGUSR1; it runs no program code (idle in its scheduler)\n' % _MY_PE
    waiting = report()
    text = head + (waiting if waiting else 'PE %d: no coroutine waits\n' % _MY_PE)
    sys.stderr.write(text)
    sys.stderr.flush()


def install():
    """Gives the runtime the deadlock report and handles SIGUSR1 (when charmpy is imported)."""
    _charmpy.set_diagnosis(report)
    if hasattr(signal, 'SIGUSR1') and signal.getsignal(signal.SIGUSR1) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGUSR1, _on_sigusr1)
