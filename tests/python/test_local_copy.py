# A call behaves as if its arguments were copied at the call, also between chares on
# the same PE (charm4py's default, local_msg_optim False): the sender may change or
# reuse what it sent, the receiver may change what it got, neither sees the other.
# Before, same-PE calls passed the objects themselves (the receiver saw later writes).
import numpy as np
from charm4py import charm, Chare, Array, Group, Future, coro

from cases import case, run_cases


class Peer(Chare):

    def __init__(self):
        self.got = []

    def take(self, values, table, grid, nested, key=None):
        # what arrives is what was sent at the call
        self.got.append((list(values), dict(table), grid.copy(), nested[1][:], list(key)))
        assert grid.flags.writeable
        values.append('receiver')             # must not reach the sender
        table['receiver'] = True
        grid[:] = -1.0
        nested[1].append('receiver')
        key.append('receiver')

    def report(self):
        return self.got

    def echo(self, value):
        return value


class Sender(Chare):

    @coro
    def run(self, peer):
        values, table = [0], {'a': 0}
        grid = np.zeros(1000)
        nested = ('n', [0])
        key = [0]
        for i in range(1, 4):                 # one set of buffers, reused every call
            values[0] = i
            table['a'] = i
            grid[:] = i
            nested[1][0] = i
            key[0] = i
            peer.take(values, table, grid, nested, key=key)
            values[0] = table['a'] = nested[1][0] = key[0] = -i   # written after the call
            grid[:] = -i
        got = peer.report(ret=True).get()
        for i, (v, t, g, n, k) in enumerate(got, start=1):
            assert v == [i] and t == {'a': i} and n == [i] and k == [i], (i, v, t, n, k)
            assert (g == i).all(), (i, g[:3])
        assert values == [-3] and table == {'a': -3} and nested[1] == [-3] and key == [-3]
        assert (grid == -3).all()
        # immutable values, proxies and futures arrive as they are
        f = Future()
        assert peer.echo((1, 'two', 3.0, b'four', None), ret=True).get() == (1, 'two', 3.0, b'four', None)
        assert peer.echo(self.thisProxy, ret=True).get() == self.thisProxy
        assert peer.echo(f, ret=True).get() is f
        return 'ok'


@case
def single_chare_calls_to_array_elements_copy_their_arguments():
    """Element 0 of each array sits on PE 0 with the sender: same-PE calls; on
    several PEs the other pairs cover calls between PEs."""
    for pe in range(charm.numPes()):
        peer = Array(Peer, 1)                 # element 0 lives on PE 0
        sender = Chare(Sender, onPE=pe)
        assert sender.run(peer[0], ret=True).get() == 'ok'


@case
def group_element_calls_to_its_own_pe_copy_their_arguments():
    """a group element calling its own PE's element of another group"""
    senders = Group(Sender)
    peers = Group(Peer)
    results = [senders[pe].run(peers[pe], ret=True) for pe in range(charm.numPes())]
    assert [r.get() for r in results] == ['ok'] * charm.numPes()


def main(args):
    run_cases()


charm.start(main)
