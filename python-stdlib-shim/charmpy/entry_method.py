"""charm4py's `entry_method` module, kept for programs that import the entry-method
decorators from it: `coro` (alias `threaded`), `coro_ext` and `when` (see
charmpy/coro.py)."""
from .coro import coro, coro_ext, threaded, when

__all__ = ['coro', 'coro_ext', 'threaded', 'when']
