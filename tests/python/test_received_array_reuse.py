# Small received arrays that an entry method let go are kept and filled again for
# a later message of the same dtype and shape (numpy::keepReceived, embed/numpy_arrays.cc).
# Nothing may tell: every received array arrives with the dtype, byte order, shape
# and values sent, writable, owning its memory, C-contiguous, with no base, and
# never sharing memory with an array the program still holds (kept, viewed,
# exported, weakly referenced) or with another received array; an array the
# receiver changed (read-only, new shape, strides or dtype, resized) is never
# handed out again as it is. Many dtypes and shapes in turns, more kinds than the
# few arrays kept, to other PEs and to the same PE. (The calls pass only what the
# fast codec encodes: arrays, ints, strings; a tuple would make them pickled.)
import weakref

import numpy as np

from charmpy import charm, Chare, Group

from cases import case, run_cases

KINDS = [('<f8', (1,)), ('<f8', (3,)), ('<f8', (2, 3)), ('<i4', (3,)), ('>i4', (3,)),
         ('|u1', (5,)), ('<c16', (2,)), ('|b1', (4,)), ('<f4', ()), ('<f8', (0,)),
         ('<i8', (2, 0, 3)), ('>f8', (2, 2)), ('<f8', (512,)), ('<i2', (1, 1, 1))]


def sample(dtype, shape, seed):
    n = int(np.prod(shape))
    values = (np.arange(n) + seed) % 7
    a = (values % 2 == 1) if dtype == '|b1' else values
    return np.asarray(a).astype(dtype).reshape(shape)


def fresh(x):
    """The state of a newly made array, as a tuple to compare."""
    return (type(x) is np.ndarray, x.flags.writeable, x.flags.owndata, x.flags.c_contiguous,
            x.flags.aligned, x.base is None)


class Receiver(Chare):

    def __init__(self):
        self.held = []       # (what, object, the values it must keep)
        self.weak = []       # weak references to arrays let go: must be dead
        self.seen = set()    # ids of received arrays still held

    def take(self, x, kind, seed, mode):
        dtype, shape = KINDS[kind]
        want = sample(dtype, shape, seed)
        assert fresh(x) == (True,) * 6, (dtype, shape, mode, fresh(x))
        assert x.dtype.str == dtype and x.shape == shape, (x.dtype.str, x.shape, dtype, shape)
        assert x.strides == np.empty(shape, dtype).strides, (x.strides, dtype, shape)
        assert x.tobytes() == want.tobytes(), (x, want)
        for w in self.weak:
            assert w() is None, 'a weakly referenced array was kept alive'
        self.weak = []
        for what, held, values in self.held:  # nothing received since changed them
            assert held.tobytes() == values, (what, held, values)
        assert id(x) not in self.seen
        # what the receiver does with it, the next messages must not see or change
        if mode == 'keep':
            self.held.append(('kept', x, x.tobytes()))
            self.seen.add(id(x))
        elif mode == 'view':
            self.held.append(('view', x[...], x.tobytes()))
        elif mode == 'memoryview':
            self.held.append(('memoryview', memoryview(x), x.tobytes()))
        elif mode == 'weak':
            self.weak.append(weakref.ref(x))
        elif mode == 'readonly':
            x.flags.writeable = False
        elif mode == 'reshape' and x.size > 1:
            x.shape = (x.size,) if x.ndim != 1 else (1, x.size)
        elif mode == 'strides' and x.ndim >= 1 and x.size > 0:
            # 0 breaks contiguity; any stride of an extent of 1 keeps it
            x.strides = tuple(64 if d == 1 else (0 if x.ndim == 1 else s) for d, s in zip(x.shape, x.strides))
        elif mode == 'dtype' and x.itemsize == 8 and x.ndim == 1:
            x.dtype = '<u8' if x.dtype.str != '<u8' else '<i8'
        elif mode == 'resize' and x.ndim == 1 and x.size > 0:
            x.resize((x.size + 1,), refcheck=False)
        elif mode == 'scribble':
            x.fill(1)
        # 'drop': let it go as it is
        return len(self.held)

    def check_held(self):
        for what, held, values in self.held:
            assert held.tobytes() == values, (what, held, values)
        for w in self.weak:
            assert w() is None
        return len(self.held)


MODES = ['drop', 'keep', 'scribble', 'view', 'drop', 'memoryview', 'weak', 'readonly', 'reshape',
         'strides', 'dtype', 'resize', 'drop', 'drop']


@case
def each_change_then_the_same_kind_again():
    g = Group(Receiver)
    charm.awaitCreation(g)
    n = charm.numPes()
    seed = 0
    for k, (dtype, shape) in enumerate(KINDS):
        for mode in MODES + ['drop']:
            for pe in range(n):
                seed += 1
                g[pe].take(sample(dtype, shape, seed), k, seed, mode)
    for pe in range(n):
        g[pe].check_held(ret=True).get()


@case
def received_arrays_are_new_and_never_alias():
    g = Group(Receiver)
    charm.awaitCreation(g)
    n = charm.numPes()
    seed = 0
    for rounds in range(3):
        for m, mode in enumerate(MODES):
            for k, (dtype, shape) in enumerate(KINDS):
                for pe in range(n):
                    seed += 1
                    g[pe].take(sample(dtype, shape, seed), k, seed, MODES[(m + k) % len(MODES)])
        for pe in range(n):
            g[pe].check_held(ret=True).get()


@case
def one_kind_over_and_over_with_held_ones_in_between():
    g = Group(Receiver)
    charm.awaitCreation(g)
    n = charm.numPes()
    for pe in range(n):
        for seed in range(200):
            mode = 'keep' if seed % 5 == 0 else ('weak' if seed % 7 == 0 else 'drop')
            g[pe].take(sample('<f8', (1,), seed), 0, seed, mode)
        assert g[pe].check_held(ret=True).get() == 40


def main(args):
    run_cases()


charm.start(main)
