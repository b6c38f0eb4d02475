"""charm4py's `threads` module, kept for programs that import it by name:
`Future`, the `coro`/`threaded` decorator and `NotThreadedError`, raised by a call
that waits outside a coroutine (see charmpy.futures and charmpy.coro)."""
from .coro import coro, threaded
from .futures import Future, NotThreadedError

__all__ = ['Future', 'NotThreadedError', 'coro', 'threaded']
