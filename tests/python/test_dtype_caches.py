# The fast codec's dtype caches (embed/fast_codec.cc): the sender keeps the last
# dtype it encoded, the receiver the last few dtype strings it decoded (before its
# map of at most 256, which it empties when full). Arrays of many dtypes and byte
# orders, sent in turns that cycle through more dtypes than the recent entries
# hold, and more distinct dtypes than the map holds, arrive with their dtype,
# byte order, shape and values, to other PEs and to this one.
import numpy as np

from charmpy import charm, Chare, Group

from cases import case, run_cases


class Echo(Chare):

    def echo(self, x):
        return x

    def check(self, x, dtype_str, shape, data):
        """Checks on the receiving side; returns the dtype string seen."""
        assert isinstance(x, np.ndarray), type(x)
        assert x.dtype.str == dtype_str, (x.dtype.str, dtype_str)
        assert x.shape == shape and x.tobytes() == data, (x, shape)
        return x.dtype.str


PLAIN = ['<i1', '<i2', '<i4', '<i8', '>i2', '>i4', '>i8', '|u1', '<u2', '>u4', '<u8',
         '<f2', '<f4', '<f8', '>f4', '>f8', '<c8', '<c16', '>c16', '|b1']


def sample(dtype, n=3):
    return (np.arange(n) % 2 == 1).astype(dtype) if dtype == '|b1' else np.arange(n).astype(dtype)


def check_round(g, dtypes, shape=(3,)):
    for pe in range(charm.numPes()):
        for dt in dtypes:
            a = sample(dt, int(np.prod(shape))).reshape(shape)
            got = g[pe].echo(a, ret=True).get()
            assert got.dtype == a.dtype and got.dtype.str == a.dtype.str, (dt, got.dtype.str)
            assert got.shape == a.shape and np.array_equal(got, a), (dt, got, a)
            assert g[pe].check(a, a.dtype.str, a.shape, a.tobytes(), ret=True).get() == a.dtype.str


@case
def many_dtypes_and_byte_orders_in_turns():
    g = Group(Echo)
    charm.awaitCreation(g)
    for _ in range(3):
        check_round(g, PLAIN)
        check_round(g, list(reversed(PLAIN)), shape=(1, 2, 3))
    # the same dtype from two byte orders, back to back
    check_round(g, ['<i4', '>i4', '<i4', '>f8', '<f8', '>f8'])


@case
def more_dtypes_than_the_map_holds():
    g = Group(Echo)
    charm.awaitCreation(g)
    strings = ['|S%d' % k for k in range(1, 300)]
    for pe in range(charm.numPes()):
        for k in range(len(strings)):
            # a new dtype, then two seen just before it: when the new one empties
            # the map, the recent entries must not give the dtypes it held
            for j in (k, k - 1, k - 2):
                if j < 0:
                    continue
                a = np.array([b'x' * (j + 1), b'y'], dtype=strings[j])
                got = g[pe].echo(a, ret=True).get()
                assert got.dtype.str == strings[j] and list(got) == list(a), (strings[j], got)
            if k % 37 == 0:
                check_round(g, PLAIN[:6])
    check_round(g, PLAIN)


def main(args):
    run_cases()


charm.start(main)
