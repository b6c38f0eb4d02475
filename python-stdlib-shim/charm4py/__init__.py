"""charm4py: an alias of charmpy, so that charm4py programs run unchanged.

`import charm4py` gives the charmpy package itself, and `charm4py.<sub>` the very
module objects `charmpy.<sub>` (also those imported later), so every name is the same
object under both spellings:

    from charm4py import charm, Chare, Group, Array, Future, coro
    from charm4py import readonlies as ro
"""
import importlib
import importlib.abc
import importlib.util
import sys

import charmpy

_PREFIX = __name__ + '.'


class _AliasLoader(importlib.abc.Loader):
    """Loads `charm4py.X` as the module `charmpy.X` (no second copy)."""

    def __init__(self, real_name):
        self.real_name = real_name

    def create_module(self, spec):
        return importlib.import_module(self.real_name)

    def exec_module(self, module):
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Finds `charm4py.X` for any submodule X of charmpy."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(_PREFIX):
            return None
        real = 'charmpy.' + fullname[len(_PREFIX):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real))


for _name, _module in list(sys.modules.items()):
    if _name.startswith('charmpy.'):
        sys.modules[_PREFIX + _name[len('charmpy.'):]] = _module
if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

# The import statement returns what is in sys.modules under the name: charmpy itself.
sys.modules[__name__] = charmpy
