# Channels move with their chares: a chare that migrates keeps its channel ends, the
# ones it holds in its own attributes (not copies), with their sequence numbers,
# their unread messages and the messages kept for ends it has not opened yet; its
# peers keep sending to it wherever it is. (charm4py's particle example keeps a
# Channel per neighbour across AtSync migrations; before the fix a migrated cell
# lost its channel state and waited for ever.)
from charmpy import charm, Chare, Array, Channel, coro

from cases import case, run_cases

ROUNDS = 12


class Node(Chare):

    def __init__(self):
        n = self.thisProxy.dims[0]
        i = self.thisIndex[0]
        self.round = 0
        self.got = []
        self.moves = 0
        self.right = Channel(self, remote=self.thisProxy[(i + 1) % n])
        self.left = Channel(self, remote=self.thisProxy[(i - 1) % n])

    @coro
    def ring(self, done):
        """Each round: send to both sides, receive from both; move to the next PE
        every third round (the coroutine ends so that the element can move)."""
        n = self.thisProxy.dims[0]
        i = self.thisIndex[0]
        while self.round < ROUNDS:
            self.right.send(self.round, i, 'to the right')
            self.left.send(self.round, i, 'to the left')
            from_left = self.left.recv()
            from_right = self.right.recv()
            assert from_left == (self.round, (i - 1) % n, 'to the right'), from_left
            assert from_right == (self.round, (i + 1) % n, 'to the left'), from_right
            self.got.append(self.round)
            self.round += 1
            if self.round % 3 == 0 and self.round < ROUNDS:
                self.moves += 1
                self.migrate((charm.myPe() + 1) % charm.numPes())
                self.thisProxy[self.thisIndex].ring(done)
                return
        done.send((i, self.got, self.moves))

    @coro
    def iwait_after_moving(self, done):
        """charm.iwait over channels whose ends came with the chare."""
        got = sorted(ch.recv() for ch in charm.iwait([self.left, self.right]))
        done.send(got)

    def send_both(self, word):
        self.left.send(word + ' left')
        self.right.send(word + ' right')

    def move_to(self, pe):
        self.migrate(pe)

    @coro
    def read_after_moving(self, sender, count, done):
        """Messages sent to a channel end that has not been opened yet (kept), and
        to one that has (unread), both sent before this chare moved."""
        late = Channel(self, remote=sender)
        done.send(([late.recv() for _ in range(count)], self.left.recv(), charm.myPe()))

    def flood(self, to, count):
        ch = Channel(self, remote=to)
        for k in range(count):
            ch.send(k)
        self.right.send('unread before the move')

    def where(self):
        return charm.myPe()


def nodes_size():
    return 2 * charm.numPes() + 1


# The cases share the ring's nodes and their channels (sequence numbers go on from
# case to case): they run in this order.
@case
def ring_keeps_its_channels_across_migrations(nodes):
    size = nodes_size()
    dones = [charm.Future() for _ in range(size)]
    for i in range(size):
        nodes[i].ring(dones[i])
    for f in dones:
        i, got, moves = f.get()
        assert got == list(range(ROUNDS)), (i, got)
        assert moves == (ROUNDS - 1) // 3, (i, moves)


@case
def iwait_on_channels_that_moved_with_the_chare(nodes):
    # Node 1's neighbours send to it while it moves; it then waits on both.
    nodes[1].move_to((nodes[1].where(ret=True).get() + 1) % charm.numPes())
    done = charm.Future()
    nodes[1].iwait_after_moving(done)
    nodes[0].send_both('from 0')
    nodes[2].send_both('from 2')
    got = done.get()
    assert got == ['from 0 right', 'from 2 left'], got


@case
def unread_and_early_messages_travel_with_the_chare(nodes):
    # Node 0 sends on a new channel to node 1 (early: node 1 has not opened its end)
    # and on its existing right channel (node 1's left, unread); then node 1 moves.
    count = 5
    nodes[0].flood(nodes[1], count, awaitable=True).get()
    before = nodes[1].where(ret=True).get()
    nodes[1].move_to((before + 1) % charm.numPes())
    done = charm.Future()
    nodes[1].read_after_moving(nodes[0], count, done)
    early, unread, pe = done.get()
    assert early == list(range(count)), early
    assert unread == 'unread before the move', unread
    assert pe == (before + 1) % charm.numPes(), (pe, before)


def main(args):
    nodes = Array(Node, nodes_size())
    run_cases(nodes)


charm.start(main)
