# A same-PE call whose arguments are numbers and mid-size NumPy arrays (stencil3d's
# `neighbour.ghost(iteration, face, data)`) copies each array at the call into an
# array like the one the receiver rebuilt from a message before, and hands the
# argument tuple over by reference (embed/local_copies.h): no encoding into a
# message, no decoding. What a program sees must not change: the receiver's arrays
# are independent of the sender's, look as those of a call from another PE (dtype,
# shape, flags, base, values), arrive in call order with the other calls, follow an
# element that moves, and the profile counts the bytes of their encoding.
import hashlib

import _charmpy
import numpy as np
from charmpy import charm, Chare, Array, Group, coro

from cases import case, run_cases


def describe(x):
    if not isinstance(x, np.ndarray):
        return ('value', type(x).__name__, x)
    return (type(x).__name__, x.dtype.str, x.dtype.isnative, x.shape, x.flags.writeable, x.flags.owndata,
            x.flags.c_contiguous, x.flags.aligned, type(x.base).__name__,
            hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest() if x.dtype.kind != 'O' else x.tolist())


def calls():
    """Argument lists of the calls sent: those the copying path takes (numbers and
    arrays over 4 KiB of plain dtypes) and some it leaves to the codecs."""
    big = np.arange(48 * 48, dtype=np.float64).reshape(48, 48)
    return [
        (3, 1, big),                                           # stencil3d's faces
        (np.arange(2000, dtype=np.int32),),
        (np.ones((3, 20, 30), dtype=np.complex128) * (1 + 2j), 2.5, None, True, False),
        (np.arange(1000, dtype='>f8'),),                        # not native byte order
        (np.zeros(5000, dtype=np.bool_), -7),
        (np.arange(8192, dtype=np.uint8), np.arange(600, dtype=np.int16), 2 ** 62),
        (big, big + 1, 0),                                      # two arrays
        (np.arange(100.0),),                                    # small: codec as before
        (big[:, ::2],),                                          # not contiguous
        (np.asfortranarray(big),),
        (np.array([{'a': 1}] * 600, dtype=object),),
        (np.zeros(700, dtype=[('x', 'f8'), ('y', 'i4')]),),     # structured
        (big, 'text'),                                          # a str: codec as before
        (big, 2 ** 70),                                         # an int beyond 64 bits
    ]


class Peer(Chare):

    def __init__(self):
        self.got = []

    def take(self, *args):
        self.got.append([describe(a) for a in args])
        for a in args:
            if isinstance(a, np.ndarray) and a.flags.writeable and a.dtype.kind in 'biufc':
                a[...] = 9                                      # must not reach the sender

    def take_there(self, *args):
        self.take(*args)

    def report(self):
        got, self.got = self.got, []
        return got

    def received_bytes(self):
        return {k[1]: v[2] for k, v in _charmpy.profile().items() if k[0] == 'Peer'}

    def base_sizes(self, data):
        return (len(memoryview(data.base)), data.nbytes)


class Sender(Chare):

    def send_here(self, peer, args):
        peer.take(*args)

    def send_there(self, peer, args):
        peer.take_there(*args)

    def sent_bytes(self):
        return {k[1]: v[3] for k, v in _charmpy.profile().items() if k[0] == 'Sender'}

    @coro
    def overwrite_after_call(self, peer):
        data = np.full((48, 48), 5.0)
        peer.take(1, 2, data)
        data[:] = -1.0                                          # after the call
        got = peer.report(ret=True).get()
        assert (data == -1.0).all()
        return got


class Mover(Chare):

    def __init__(self):
        self.got = []

    def leave_with_call(self, to, data):
        # The call is queued on this PE while the element is still here; the element
        # leaves once this method returns, and the call must follow it.
        self.thisProxy[self.thisIndex].take(7, data)
        self.migrate(to)

    def take(self, n, data):
        self.got.append((charm.myPe(), n, data.copy()))

    def report(self):
        return self.got


def expected_payload(args):
    """The fast codec's payload for `args` (embed/fast_codec.h), as the profile counts it."""
    size = 16
    for a in args:
        size += 1
        if isinstance(a, np.ndarray):
            size += 1 + len(a.dtype.str) + 1 + 8 * a.ndim + 8
            size = (size + 15) // 16 * 16 + (a.nbytes + 15) // 16 * 16
        elif a is not None and not isinstance(a, bool):
            size += 8
    return size


@case
def same_pe_arrays_arrive_as_from_another_pe(env):
    sender, here, there = env['sender'], env['here'], env['there']
    for args in calls():
        sender.send_here(here, args, ret=True).get()           # the call is queued when this returns
        if there is not None:
            sender.send_there(there, args, ret=True).get()
    got_here = here.report(ret=True).get()
    assert len(got_here) == len(calls())
    for i, (args, seen) in enumerate(zip(calls(), got_here)):
        for a, d in zip(args, seen):
            if isinstance(a, np.ndarray):
                assert d[0] == 'ndarray' and d[3] == a.shape and d[-1] == describe(a)[-1], (a.dtype, d[:9])
                assert d[4], 'a received array is writable'
                if i < 7 and a.nbytes > 4096:                   # the calls the copying path takes
                    assert d[5:9] == (False, True, True, 'Message'), d[:9]
            else:
                assert d == ('value', type(a).__name__, a), d
    if there is not None:
        got_there = there.report(ret=True).get()
        for args, a, b in zip(calls(), got_here, got_there):
            assert a == b, (args, [x[:9] for x in a], [x[:9] for x in b])


@case
def a_copy_is_independent_of_the_sender_and_other_receivers(env):
    sender, here = env['sender'], env['here']
    got = sender.overwrite_after_call(here, ret=True).get()
    assert len(got) == 1 and got[0][:2] == [describe(1), describe(2)], got
    assert got[0][2][-1] == describe(np.full((48, 48), 5.0))[-1], got   # the values at the call
    data = np.full(1000, 3.0)
    env['here'].take(data)
    env['here2'].take(data)                                     # each writes its own
    a, b = env['here'].report(ret=True).get(), env['here2'].report(ret=True).get()
    assert a == b and len(a) == 1 and a[0][0][-1] == describe(np.full(1000, 3.0))[-1], (a, b)
    assert (data == 3.0).all()


@case
def a_same_pe_copy_owns_a_message_of_its_own(env):
    # The copy path is in use (else the array views the whole received message).
    size, nbytes = env['here'].base_sizes(np.ones((48, 48)), ret=True).get()
    assert size == nbytes == 48 * 48 * 8, (size, nbytes)


@case
def calls_of_every_encoding_arrive_in_order(env):
    here = env['here']
    big = np.zeros((48, 48))
    for i in range(60):
        kind = i % 4
        if kind == 0:
            here.take(i, big + i)                             # copied at the call
        elif kind == 1:
            here.take(i, np.full(10, float(i)))                 # small array: fast codec
        elif kind == 2:
            here.take(i, (i, 'tuple'))                          # by reference, immutable
        else:
            here.take(i, [i], big)                              # a list: pickle
    got = here.report(ret=True).get()
    assert [g[0][2] for g in got] == list(range(60)), got


@case
def profile_counts_the_encoded_bytes(env):
    sender, here, there = env['sender'], env['here'], env['there']
    sent = sender.sent_bytes(ret=True).get()
    received = here.received_bytes(ret=True).get()
    if there is not None:
        assert sent['send_here'] == sent['send_there'], sent
        assert received['take'] > 0
    for args in calls()[:7]:                                    # those the copying path takes
        before = sender.sent_bytes(ret=True).get()['send_here']
        sender.send_here(here, args, ret=True).get()
        here.report(ret=True).get()
        after = sender.sent_bytes(ret=True).get()['send_here']
        assert after - before == expected_payload(args), (args, after - before, expected_payload(args))
        r0 = received['take']
        received = here.received_bytes(ret=True).get()
        assert received['take'] - r0 == expected_payload(args), (received['take'] - r0, expected_payload(args))


@case
def a_copied_call_follows_an_element_that_moves(env):
    n = charm.numPes()
    if n == 1:
        return
    movers = env['movers']
    data = np.arange(2500.0)
    movers[0].leave_with_call(n - 1, data, awaitable=True).get()
    charm.waitQD()
    got = movers[0].report(ret=True).get()
    assert len(got) == 1 and got[0][0] == n - 1 and got[0][1] == 7 and (got[0][2] == data).all(), got


def main(args):
    n = charm.numPes()
    here = Array(Peer, 2)                      # elements 0 and 1 on PE 0 (block map) or spread
    charm.awaitCreation(here)
    peers = Group(Peer)
    senders = Group(Sender)
    movers = Array(Mover, 1)
    charm.awaitCreation(peers, senders, movers)
    env = {'sender': senders[0], 'here': peers[0], 'here2': here[0], 'there': peers[n - 1] if n > 1 else None,
           'movers': movers}
    # here[0] is on PE 0 with the default map
    run_cases(env)


charm.options.profiling = True
charm.start(main)
