"""charmpy: parallel programming with distributed Python objects (chares).

Programs run with `mpirun -n N charmpy-run app.py args...`; the API is charm4py's
(`import charm4py` is an alias of this package):

    from charmpy import charm, Chare, Group

    class Hello(Chare):
        def sayHi(self, name):
            print('Hello', name, 'from PE', charm.myPe())

    def main(args):
        Group(Hello).sayHi('world', awaitable=True).get()
        charm.exit()

    charm.start(main)

Public names: `charm` (the runtime), `Chare`, `Group`, `Array`, `ArrayMap`, `Future`,
`Channel`, `Reducer`, `coro`/`threaded`, `coro_ext`, `when`, `readonlies`, `register`,
`Options`, `charm4py_version`. Submodules charm4py programs import by name: `threads`,
`wait`, `entry_method`.
"""
try:
    import _charmpy  # noqa: F401  (built into charmpy-run)
except ImportError:
    raise ImportError('charmpy programs run under charmpy-run, which provides the _charmpy '
                      'module: mpirun -n N charmpy-run app.py [args...]') from None

from . import readonlies
from .chare import Chare, Group, Array, ArrayMap, register
from .channel import Channel
from .charm import charm
from .coro import coro, coro_ext, threaded, when
from .futures import Future, RemoteException
from .options import Options
from .reduction import Reducer

__version__ = '0.1.0'
charm4py_version = 'charmpy-' + __version__  # charm4py's name; programs print it

__all__ = ['charm', 'Chare', 'Group', 'Array', 'ArrayMap', 'Future', 'Channel', 'Reducer',
           'coro', 'coro_ext', 'threaded', 'when', 'readonlies', 'register', 'Options']
