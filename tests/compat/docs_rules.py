# Doc pages: rules.rst ("Rules and Semantics") and serialization.rst. The page describes
# reference passing, which charm4py 1.1 does with charm.options.local_msg_optim = True
# (its code's default is False), so this program sets it. Behaviours asserted:
#  - a call through a proxy is asynchronous: the method does not run at the call, even
#    when the destination is in the same process;
#  - point-to-point calls to a chare in the same process pass arguments by reference
#    (the callee gets the caller's very object);
#  (Not asserted, charmpy differs, in its C++ layer: "section broadcasts to destinations
#  in the same process pass arguments by reference" and "the recipients of a broadcast
#  in the same process receive references to the same Python objects": charmpy
#  unpickles the arguments once per element.)
#  - calls to other processes copy the arguments;
#  - a method runs until it completes or (a coroutine) suspends; while a coroutine of a
#    chare is suspended, other methods of that chare run, even other instances of the
#    same coroutine;
#  - serialization: bytes, bytearray, array.array, NumPy arrays, containers and custom
#    objects arrive equal and of the same type on other PEs.
import array

import numpy as np

from charmpy import charm, Chare, Array, Group, Future, coro

charm.options.local_msg_optim = True


class Point:

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return type(other) is Point and (self.x, self.y) == (other.x, other.y)


class Holder(Chare):

    def __init__(self):
        self.ran = 0
        self.kept = None
        self.active = 0
        self.max_active = 0

    def mark(self):
        self.ran += 1

    def markThroughProxy(self):
        self.thisProxy[self.thisIndex].mark()
        return self.ran                     # not run yet

    def keep(self, obj):
        obj.append(charm.myPe())
        self.kept = obj

    def keptId(self):
        return id(self.kept)

    def keepBroadcast(self, obj):
        self.kept = obj

    def keptIdOnPe(self):
        return charm.myPe(), id(self.kept)

    @coro
    def slow(self, future):
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        future.get()
        self.active -= 1
        return self.ran

    def stats(self):
        return self.ran, self.max_active

    def echo(self, *values):
        return [(type(v).__name__, v) for v in values]


def main(args):
    n = charm.numPes()
    g = Group(Holder)

    # asynchronous, even on the same PE
    assert g[0].markThroughProxy(ret=True).get() == 0
    charm.waitQD()
    assert g[0].stats(ret=True).get()[0] == 1

    # same process: by reference; other process: copied
    data = [1, 2]
    g[0].keep(data)
    charm.waitQD()
    assert data == [1, 2, 0], data            # the callee appended to our list
    if n > 1:
        remote = [7]
        g[1].keep(remote)
        charm.waitQD()
        assert remote == [7]

    # a suspended coroutine lets other methods of the same chare run, and other
    # instances of the same coroutine start
    release = Future()
    first = g[0].slow(release, ret=True)
    second = g[0].slow(release, ret=True)
    g[0].mark()
    charm.waitQD()
    release.send(None)
    assert first.get() == second.get() == 2
    assert g[0].stats(ret=True).get() == (2, 2)

    # serialization of the types the page names
    values = (b'raw bytes', bytearray(b'mutable'), array.array('d', [1.5, 2.5]),
              np.arange(6, dtype=np.int32).reshape(2, 3), {'k': [1, {2, 3}]}, Point(1, 2))
    for r in g.echo(*values, ret=True).get():
        assert [name for name, _ in r] == ['bytes', 'bytearray', 'array', 'ndarray', 'dict',
                                           'Point'], r
        got = [v for _, v in r]
        assert got[0] == values[0] and got[1] == values[1] and got[2] == values[2]
        assert got[3].dtype == np.int32 and (got[3] == values[3]).all()
        assert got[4] == values[4] and got[5] == values[5]

    print('docs_rules: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
