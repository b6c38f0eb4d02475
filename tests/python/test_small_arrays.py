# Small NumPy arrays as call arguments (the fast codec's C path, embed/numpy_arrays.cc):
# every dtype, byte order and shape arrives equal, as an array of its own that the
# receiver may keep and change, and later writes by the sender never reach it.
import numpy as np

from charmpy import charm, Chare, Group, coro

from cases import case, run_cases


def samples():
    out = [np.ones(1), np.arange(8, dtype=np.int64), np.array(3.5), np.zeros((0,)),
           np.zeros((2, 0, 3)), np.arange(12, dtype=np.int16).reshape(3, 4),
           np.array([True, False, True]), np.arange(6, dtype=np.uint8),
           np.array([1 + 2j, 3 - 4j]), np.arange(4, dtype=np.complex64),
           np.arange(5, dtype='>f8'), np.arange(5, dtype='>i4'), np.arange(3, dtype=np.float16),
           np.arange(512, dtype=np.float64),                       # 4 KiB: the largest copied
           np.arange(513, dtype=np.float64),                       # viewed in the message
           np.arange(24, dtype=np.float32).reshape(2, 3, 4)[:, :, 1],  # not contiguous
           np.arange(10)[::2],
           np.array(['a', 'bcd']), np.array([b'xy', b'z']),        # not numeric: as before
           np.array(['2020-01-01', '2021-06-30'], dtype='datetime64[D]'),
           np.array([np.timedelta64(5, 's')]),
           np.zeros(2, dtype=[('x', 'i4'), ('y', 'f8')]),
           np.array([1, 'x', None], dtype=object)]
    return out


class Node(Chare):

    def __init__(self):
        self.kept = []

    def echo(self, x):
        return x

    def describe(self, x):
        return (x.dtype.str, x.shape, x.flags.writeable, x.flags.c_contiguous, x.tolist())

    def keep_and_change(self, x):
        self.kept.append(x.copy())
        before = x.copy()
        x[...] = 0     # the receiver's array is its own
        return before.tolist(), x.tolist()

    def kept_values(self):
        return [k.tolist() for k in self.kept]

    @coro
    def relay(self, other, x):
        return other.echo(x, ret=True).get()


@case
def every_dtype_and_shape_arrives_equal(g):
    n = charm.numPes()
    for pe in range(n):
        for x in samples():
            d = g[pe].describe(x, ret=True).get()
            assert d[0] == x.dtype.str and d[1] == x.shape and d[2], (x, d)
            assert d[4] == x.tolist(), (x, d)
            back = g[pe].echo(x, ret=True).get()
            assert type(back) is np.ndarray and back.dtype == x.dtype and back.shape == x.shape
            assert back.tolist() == x.tolist(), (x, back)
            back = g[pe].relay(g[(pe + 1) % n], x, ret=True).get()
            assert back.dtype == x.dtype and back.tolist() == x.tolist(), (x, back)


@case
def receiver_owns_its_array_and_sender_writes_do_not_reach_it(g):
    n = charm.numPes()
    for pe in range(n):
        x = np.arange(6, dtype=np.float64).reshape(2, 3)
        futures = []
        for k in range(5):
            x[0, 0] = k
            futures.append(g[pe].keep_and_change(x, ret=True))
        x[...] = -1
        for k, f in enumerate(futures):
            before, after = f.get()
            assert before[0][0] == k and before[0][1:] == [1.0, 2.0] and after == [[0.0] * 3] * 2
        kept = g[pe].kept_values(ret=True).get()[-5:]
        assert [v[0][0] for v in kept] == list(range(5)), kept


@case
def arrays_in_argument_lists_with_other_values(g):
    n = charm.numPes()
    for pe in range(n):
        a, b = np.arange(3, dtype=np.int32), np.ones((2, 2), dtype=np.float32)
        got = g[pe].echo((a, 1, 'two', b, None, 2.5), ret=True).get()
        assert got[0].tolist() == [0, 1, 2] and got[1:3] == (1, 'two') and got[3].tolist() == b.tolist()
        assert got[4] is None and got[5] == 2.5


def main(args):
    g = Group(Node)
    charm.awaitCreation(g)
    run_cases(g)


charm.start(main)
