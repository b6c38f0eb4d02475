# Buffer-like arguments nested in containers (the pickle path) travel out of band:
# NumPy arrays, bytes, bytearray, array.array and memoryview arrive intact and of
# the same type, on other PEs and on the same PE; received NumPy arrays and
# memoryviews are writable views.
import array
import pickle

import numpy as np
from charmpy import charm, Chare, Group

from cases import case, run_cases


def payloads():
    return {
        'ndarray': np.arange(5000, dtype=np.int32).reshape(50, 100),
        'bytes': bytes(range(256)) * 20,
        'small_bytes': b'tiny',
        'bytearray': bytearray(b'x' * 3000),
        'array': array.array('d', [1.5] * 700),
        'memoryview': memoryview(np.arange(600, dtype=np.float64)).cast('B').cast('d', (20, 30)),
    }


class Receiver(Chare):

    def check(self, box, kw=None):
        expected = payloads()
        assert kw == 'k', kw
        for name, value in expected.items():
            got = box[name]
            assert type(got) is type(value), (name, type(got))
            if name == 'memoryview':
                assert got.shape == value.shape and got.format == value.format
                assert got.tolist() == value.tolist()
            elif name == 'ndarray':
                assert np.array_equal(got, value)
                got[0, 0] = -1  # writable
            else:
                assert got == value, name
        return sum(len(memoryview(v).cast('B')) for v in box.values())


@case
def pickler_takes_every_large_buffer_out_of_band(g):
    # The pickler the runtime uses takes every large buffer out of band (all but
    # the 4-byte bytes object).
    from charmpy import _pickling
    buffers = []
    _pickling.dumps(payloads(), buffers.append)
    assert len(buffers) == 5, len(buffers)
    assert all(isinstance(b, pickle.PickleBuffer) for b in buffers)


def total_size():
    return sum(len(memoryview(v).cast('B')) for v in payloads().values())


@case
def buffers_reach_each_pe_intact_of_the_same_type_and_writable(g):
    total = total_size()
    for pe in range(charm.numPes()):
        assert g[pe].check(payloads(), kw='k', ret=True).get() == total


@case
def buffers_broadcast_to_every_pe_intact(g):
    total = total_size()
    assert g.check(payloads(), kw='k', ret=True).get() == [total] * charm.numPes()


def main(args):
    run_cases(Group(Receiver))


charm.start(main)
