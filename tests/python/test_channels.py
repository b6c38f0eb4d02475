# Channels: ordered streams between chares, on the same PE and across PEs; many
# messages (ints, tuples of several arguments, NumPy arrays) arrive in send order;
# messages sent before the receiving end exists are kept; charm.iwait over channels.
import numpy as np
from charmpy import charm, Chare, Array, Channel, coro

from cases import case, run_cases

MESSAGES = 500


class Node(Chare):

    @coro
    def ring(self, done):
        n = self.thisProxy.dims[0]
        i = self.thisIndex[0]
        right = Channel(self, remote=self.thisProxy[(i + 1) % n])
        left = Channel(self, remote=self.thisProxy[(i - 1) % n])
        for k in range(MESSAGES):
            if k % 50 == 0:
                right.send(k, np.full(1000, k, dtype=np.int64))
            else:
                right.send(k, i)
        for k in range(MESSAGES):
            msg = left.recv()
            assert isinstance(msg, tuple) and msg[0] == k, (msg, k)
            if k % 50 == 0:
                assert (msg[1] == k).all()
            else:
                assert msg[1] == (i - 1) % n, msg
        done.send(i)

    @coro
    def late_receiver(self, sender, done):
        charm.sleep(0.05)  # the sender's messages arrive before this end exists
        ch = Channel(self, remote=sender)
        done.send([ch.recv() for _ in range(10)])

    @coro
    def early_sender(self, receiver):
        ch = Channel(self, remote=receiver)
        for k in range(10):
            ch.send(k)

    @coro
    def gather_two(self, a, b, done):
        ch_a = Channel(self, remote=a)
        ch_b = Channel(self, remote=b)
        got = []
        for ch in charm.iwait([ch_a, ch_b]):
            got.append(ch.recv())
        done.send(sorted(got))

    @coro
    def say(self, to, word):
        Channel(self, remote=to).send(word)


@case
def ring_messages_arrive_in_send_order(nodes):
    """many messages (ints, tuples of several arguments, NumPy arrays) arrive in
    send order, on the same PE and across PEs"""
    size = 2 * charm.numPes() + 1
    dones = [charm.Future() for _ in range(size)]
    for i in range(size):
        nodes[i].ring(dones[i])
    assert sorted(f.get() for f in dones) == list(range(size))


@case
def messages_sent_before_the_receiving_end_exists_are_kept(nodes):
    size = 2 * charm.numPes() + 1
    done = charm.Future()
    nodes[0].late_receiver(nodes[size - 1], done)
    nodes[size - 1].early_sender(nodes[0])
    assert done.get() == list(range(10))


@case
def charm_iwait_over_channels(nodes):
    done = charm.Future()
    nodes[1].gather_two(nodes[0], nodes[2], done)
    nodes[0].say(nodes[1], 'from 0')
    nodes[2].say(nodes[1], 'from 2')
    assert done.get() == ['from 0', 'from 2']


def main(args):
    n = charm.numPes()
    size = 2 * n + 1
    nodes = Array(Node, size)
    run_cases(nodes)


charm.start(main)
