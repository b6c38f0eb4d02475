"""charm4py's `threads` module, kept for programs that import it by name:
`Future` and the `coro`/`threaded` decorator (see charmpy.futures and charmpy.coro)."""
from .coro import coro, threaded
from .futures import Future

__all__ = ['Future', 'coro', 'threaded']
