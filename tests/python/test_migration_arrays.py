# A migrating chare's NumPy arrays travel out of band (the migration message holds
# their raw bytes and they view it on arrival), yet the chare sees what pickle
# would give it: for arrays large and small, C and Fortran order, strided views,
# read-only ones, every kind of dtype (float32, bool, complex, big-endian,
# structured), 0-d and empty ones, the values, dtype, shape, strides, writability
# and contiguity are those of pickle.loads(pickle.dumps(a, protocol=5)); two
# attributes holding the same array still hold one array; arrays that arrived in
# a migration message stay writable where they are, and move on again unchanged
# (several hops).
import pickle

import numpy as np
from charmpy import charm, Chare, Array, Future

from cases import case, run_cases


def make_arrays():
    rng = np.random.default_rng(7)
    big = rng.random((40, 50, 60))
    readonly_big = np.arange(300000, dtype=np.int32)
    readonly_big.flags.writeable = False
    readonly_small = np.arange(5.0)
    readonly_small.flags.writeable = False
    return {
        'big': big,
        'fortran': np.asfortranarray(rng.random((70, 80))),
        'strided': big[::2, :, ::3],
        'readonly_big': readonly_big,
        'readonly_small': readonly_small,
        'float32': np.ones((128, 257), dtype=np.float32),
        'bool': np.arange(100000) % 3 == 0,
        'complex': np.full((300, 300), 1 + 2j),
        'big_endian': np.arange(100000, dtype='>i8'),
        'structured': np.zeros(50000, dtype=[('a', 'i4'), ('b', 'f8')]),
        'scalar_0d': np.array(3.5),
        'empty': np.empty((0, 7)),
        'small': np.arange(3, dtype=np.int16),
    }


def layout(a):
    return (a.dtype.str, a.dtype.descr, a.shape, a.strides, a.flags.writeable, a.flags.c_contiguous,
            a.flags.f_contiguous)


class Holder(Chare):

    def __init__(self):
        self.arrays = make_arrays()
        self.arrays['structured']['a'] = np.arange(50000)
        self.same = self.arrays['big']      # the same array under two names
        # What a moved chare must see (pickle's answer), and what one that never
        # moved sees (on 1 PE: its own arrays, the strided view still a view).
        self.expected = {k: (v.copy(), layout(pickle.loads(pickle.dumps(v, protocol=5))), layout(v))
                         for k, v in self.arrays.items()}
        self.arrivals = 0

    def hop(self, pe, f):
        self.reply = f
        self.migrate(pe)

    def migrated(self):
        self.arrivals += 1
        self.reply.send(charm.myPe())

    def report(self):
        out = {}
        for k, v in self.arrays.items():
            values, moved, unmoved = self.expected[k]
            out[k] = (bool(np.array_equal(v, values)), layout(v), moved if self.arrivals else unmoved)
        return out, self.same is self.arrays['big'], self.arrivals

    def scribble(self):
        """Arrays that arrived in a migration message are writable where they were."""
        for k, v in self.arrays.items():
            if v.flags.writeable and v.size:
                v.reshape(-1)[0] = v.reshape(-1)[0]   # same value: the checks stay valid
        self.arrays['float32'][1, 2] += 1.0    # no other array views it
        self.expected['float32'][0][1, 2] += 1.0
        return True


def check(holder, hops):
    arrays, same, arrivals = holder[0].report(ret=True).get()
    for name, (equal, got, want) in arrays.items():
        assert equal, '%s: values changed' % name
        assert got == want, '%s: layout %s, pickle gives %s' % (name, got, want)
    assert same, 'two attributes holding one array now hold two'
    assert arrivals == hops, (arrivals, hops)


def hop(holder, pe):
    f = Future()
    holder[0].hop(pe, f)
    assert f.get() == pe


@case
def arrays_keep_values_and_layout_across_a_migration(holder):
    n = charm.numPes()
    if n > 1:
        hop(holder, 1)
    check(holder, 1 if n > 1 else 0)


@case
def arrays_that_arrived_are_writable_and_move_on_unchanged(holder):
    n = charm.numPes()
    hops = 1 if n > 1 else 0
    for step in range(3):
        assert holder[0].scribble(ret=True).get()
        if n > 1:
            hop(holder, (step + 2) % n)   # always another PE than the one it is on
            hops += 1
        check(holder, hops)


def main(args):
    holder = Array(Holder, 1)
    charm.awaitCreation(holder)
    run_cases(holder)


charm.start(main)
