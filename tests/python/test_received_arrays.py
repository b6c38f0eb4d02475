# A NumPy array over 4 KiB that a call carries (a ghost exchange's face: 18 KiB at
# stencil3d's 4x4x4, 74 KiB at 2x2x2) arrives as an array made in C over the
# received message itself: the receiver owns that memory. It must behave as the
# receiver's own copy of what the sender had at the call: the right values,
# shape and dtype (also Fortran-ordered, non-native byte order and 0-d or
# several arrays in one call), writable, valid for as long as the receiver keeps
# it (after the message's other arrays are gone, after more messages came), and
# independent of the sender's array and of every other receiver's, on the same
# PE and on another.
import gc

import numpy as np
from charm4py import charm, Chare, Array, Group, coro

from cases import case, run_cases

SHAPES = {'18k': (48, 48), '74k': (96, 96)}


def pattern(seed, shape, dtype=np.float64):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float64).reshape(shape) * 3 + seed).astype(dtype)


class Receiver(Chare):

    def __init__(self):
        self.kept = []

    def take(self, seed, tag, data):
        """Checks what came, keeps it, writes into it."""
        expected = pattern(seed, data.shape, data.dtype)
        ok = np.array_equal(data, expected) and data.flags.writeable
        self.kept.append((seed, tag, data, expected.copy()))
        data.flat[0] = -7  # the receiver's own memory: reaches neither the sender nor others
        return ok

    def take_two(self, seed, first, second, small):
        """Several arrays of one message: each is valid alone after the others are dropped."""
        ok = np.array_equal(first, pattern(seed, first.shape)) and np.array_equal(
            second, pattern(seed + 1, second.shape, second.dtype)) and small == seed
        self.kept.append((seed + 1, 'second', second, pattern(seed + 1, second.shape, second.dtype)))
        second.flat[0] = -7
        del first
        gc.collect()
        return ok

    def check_kept(self):
        """Every array kept still holds what came (with the receiver's own mark)."""
        wrong = []
        for seed, tag, data, expected in self.kept:
            expected = expected.copy()
            expected.flat[0] = -7
            if not np.array_equal(data, expected):
                wrong.append((seed, tag))
        return wrong, len(self.kept)


class Sender(Chare):

    @coro
    def send_all(self, receivers, targets):
        """Sends each shape to every target, writing the array again right after
        the call; returns what the receivers said of each array."""
        answers = []
        for name, shape in SHAPES.items():
            for dtype in (np.float64, np.int32, np.complex128, np.dtype('>f8'), np.bool_):
                data = pattern(5, shape, dtype)
                before = data.copy()
                for t in targets:
                    answers.append(receivers[t].take(5, '%s %s' % (name, dtype), data, ret=True))
                    assert np.array_equal(data, before), 'the call changed the sender array'
                    data[...] = pattern(6, shape, dtype)   # after the call: must not be seen
                    data[...] = before
        for t in targets:
            fortran = np.asfortranarray(pattern(8, (96, 48)))
            answers.append(receivers[t].take(8, 'fortran', fortran, ret=True))
            fortran[...] = 0
            whole = np.zeros((96, 96))
            whole[:, ::2] = pattern(9, (96, 48))
            answers.append(receivers[t].take(9, 'strided', whole[:, ::2], ret=True))
            whole[...] = 0
            first, second = pattern(10, (48, 48)), pattern(11, (96, 96), np.float32)
            answers.append(receivers[t].take_two(10, first, second, 10, ret=True))
            first[...] = 0
            second[...] = 0
        return [a.get() for a in answers]


def targets_for(pe, receivers_per_pe):
    n = charm.numPes()
    here = [pe * receivers_per_pe + k for k in range(receivers_per_pe)]
    there = [((pe + 1) % n) * receivers_per_pe + k for k in range(receivers_per_pe)]
    return here + (there if n > 1 else [])


@case
def arrays_arrive_whole_writable_and_apart_on_this_pe_and_another(receivers, senders):
    """every receiver got each array as sent, writable; the sender's array is unchanged"""
    per = 2
    results = [senders[pe].send_all(receivers, targets_for(pe, per), ret=True) for pe in range(charm.numPes())]
    for pe, r in enumerate(results):
        answers = r.get()
        assert answers and all(answers), (pe, answers)


@case
def kept_arrays_stay_valid_and_independent(receivers, senders):
    """arrays kept across later messages hold their values and the receiver's own writes only"""
    for i in range(2 * charm.numPes()):
        wrong, count = receivers[i].check_kept(ret=True).get()
        assert count > 0 and not wrong, (i, count, wrong)


def main(args):
    receivers = Array(Receiver, 2 * charm.numPes())
    senders = Group(Sender)
    charm.awaitCreation(receivers, senders)
    run_cases(receivers, senders)


charm.start(main)
