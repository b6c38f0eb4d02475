"""Readonly globals: `from charmpy import readonlies as ro`.

Attributes that the entry (the `main` function, or the constructor of the entry chare
class) sets on `ro` before it first suspends are visible on every PE before any chare
it created runs a method:

    def main(args):
        ro.size = int(args[1])
        ro.workers = Array(Worker, ro.size)   # Worker methods may read ro.workers
        ro.workers.start()

How (see charmpy/_startup.py): while the entry runs on PE 0, the calls it makes
(`proxy.method(...)`) are held; when it first suspends or returns, PE 0 broadcasts the
readonlies to every PE, waits until all have them, then releases the held calls in
order. Constructors of chares created by the entry see the readonlies set before the
creation call (they travel with the creation). Assignments after that phase, or on
other PEs, stay local to the PE that makes them.

Names starting with '_' are not readonlies.
"""
import sys as _sys
import types as _types

_version = 0  # counts assignments, so PE 0 knows whether there is anything to send


class _ReadonliesModule(_types.ModuleType):
    """This module's type: a plain module that counts attribute assignments."""

    def __setattr__(self, name, value):
        _types.ModuleType.__setattr__(self, name, value)
        if not name.startswith('_'):
            self.__dict__['_version'] += 1

    def __delattr__(self, name):
        _types.ModuleType.__delattr__(self, name)
        if not name.startswith('_'):
            self.__dict__['_version'] += 1


def _values():
    """The readonlies as a dict (public names only)."""
    return {k: v for k, v in globals().items() if not k.startswith('_')}


def _apply(values):
    """Sets readonlies received from PE 0 (without counting them as local changes)."""
    globals().update(values)


_sys.modules[__name__].__class__ = _ReadonliesModule
