# NumPy arrays, bytes, bytearray and array.array as arguments and return values, to
# the same PE (passed by reference) and to other PEs (copied).
import array

import numpy as np

from charmpy import charm, Chare, Group, coro

from cases import case, run_cases


class Sink(Chare):

    def describe(self, arr, b, ba, aa, text):
        return (float(arr.sum()), arr.dtype.str, arr.shape, b, bytes(ba), aa.tolist(), text)

    def echo(self, x):
        return x

    def scale(self, arr, factor):
        return arr * factor

    def mutate(self, arr):
        arr[0] = -1

    def identity(self, obj, key):
        return id(obj) == key

    @coro
    def relay(self, other, arr):
        # a coroutine sends what it received on to another PE and waits for the answer
        return other.scale(arr, 2, ret=True).get()


def sample_data():
    """The arrays, bytes, bytearray and array.array the cases send."""
    arrays = [np.arange(10, dtype=np.int32), np.linspace(0, 1, 100001),
              np.ones((30, 40), dtype=np.float32), np.arange(24).reshape(2, 3, 4)[:, ::2, 1],
              np.zeros(0), np.array([1 + 2j, 3 - 4j])]
    b = bytes(range(256)) * 100
    ba = bytearray(b'mutable bytes')
    aa = array.array('d', [1.5, 2.5, 3.5])
    return arrays, b, ba, aa


@case
def buffers_arrive_intact_and_arrays_return_on_every_pe(g):
    arrays, b, ba, aa = sample_data()
    for pe in range(charm.numPes()):
        for arr in arrays:
            got = g[pe].describe(arr, b, ba, aa, 'text', ret=True).get()
            assert got == (float(arr.sum()), arr.dtype.str, arr.shape, b, bytes(ba),
                           aa.tolist(), 'text'), (pe, got)
            back = g[pe].echo(arr, ret=True).get()
            assert isinstance(back, np.ndarray) and back.dtype == arr.dtype
            assert np.array_equal(back, arr)


@case
def large_array_and_bytes_round_trip_on_every_pe(g):
    arrays, b, ba, aa = sample_data()
    for pe in range(charm.numPes()):
        big = np.random.default_rng(pe).random(1 << 20)
        assert np.array_equal(g[pe].scale(big, 3.0, ret=True).get(), big * 3.0)
        assert g[pe].echo(b, ret=True).get() == b


@case
def coroutine_relays_an_array_to_another_pe(g):
    """a coroutine sends what it received on to another PE and waits for the answer"""
    n = charm.numPes()
    arrays, b, ba, aa = sample_data()
    for pe in range(n):
        assert g[pe].relay(g[(pe + 1) % n], arrays[1], ret=True).get().tolist() == \
            (arrays[1] * 2).tolist()


@case
def broadcast_array_reaches_every_element(g):
    """broadcast of an array: every element gets the same values"""
    arrays, b, ba, aa = sample_data()
    sums = g.describe(arrays[2], b'', bytearray(), array.array('i'), 'x', ret=True).get()
    assert [s[0] for s in sums] == [1200.0] * charm.numPes()


@case
def same_pe_arguments_are_copies(g):
    """the same PE gets copies too (charm4py's default, local_msg_optim False)"""
    local = np.arange(5)
    g[0].mutate(local, awaitable=True).get()
    assert local[0] == 0, 'same-PE arguments must be copies'
    assert not g[0].identity(local, id(local), ret=True).get()


@case
def arguments_to_another_pe_are_copies(g):
    if charm.numPes() > 1:
        remote = np.arange(5)
        g[1].mutate(remote, awaitable=True).get()
        assert remote[0] == 0, 'arguments to another PE must be copies'
        assert not g[1].identity(remote, id(remote), ret=True).get()


def main(args):
    run_cases(Group(Sink))


charm.start(main)
