# `import charm4py` is charmpy itself: the same package, the same submodules (also
# those imported later) and so the very same objects; a program written with charm4py
# names runs.
import sys

import charm4py
from charm4py import *                      # noqa: F401,F403
from charm4py import readonlies as ro
import charm4py.chare
import charm4py.threads
from charm4py.threads import Future as ThreadsFuture

import charmpy
import charmpy.chare
import charmpy.charm
import charmpy.threads

assert charm4py is charmpy
for name in charmpy.__all__:
    assert getattr(charm4py, name) is getattr(charmpy, name), name
assert charm is charmpy.charm and Chare is charmpy.Chare and Group is charmpy.Group
assert Array is charmpy.Array and Future is charmpy.Future and ThreadsFuture is Future
assert coro is charmpy.coro and threaded is coro and Reducer is charmpy.Reducer
assert ro is charmpy.readonlies and readonlies is ro
assert charm4py.chare is charmpy.chare
assert sys.modules['charm4py.chare'] is sys.modules['charmpy.chare']
assert sys.modules['charm4py.charm'] is sys.modules['charmpy.charm']
assert sys.modules['charm4py.threads'] is charmpy.threads
import charm4py.futures                     # a submodule not imported before by name
assert sys.modules['charm4py.futures'] is sys.modules['charmpy.futures']
from charm4py.options import Options as O2
assert O2 is Options


class Hello(Chare):

    def hello(self):
        return charm.myPe()


def main(args):
    ro.x = 'ro'
    g = Group(Hello)
    assert g.hello(ret=True).get() == list(range(charm.numPes()))
    assert isinstance(g, charmpy.chare.GroupProxy)
    print('test_charm4py_alias: ok on %d PEs' % charm.numPes())
    charm.exit(0)


charm.start(main)
