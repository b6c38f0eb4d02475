# A remote call sends the values its arguments had at the call, also for a large
# NumPy array passed last (which the runtime may send from the array's own memory
# after the call returned): a sender reusing one buffer for every call (a ghost
# exchange) must not have its later writes reach the receiver. Before, an array of
# 64 KiB or more passed last to another PE was sent from the caller's memory, so
# the receiver saw later values, some torn. Only an array nothing can change (read
# only, over an immutable bytes object) may still be sent from where it is.
# Replies (ret=True, Future.send) carry the value they had when sent, also to a
# future on the same PE (before, that got the object itself).
import numpy as np
from charm4py import charm, Chare, Group, Future, coro

from cases import case, run_cases

SIZES = (64 << 10, 1 << 20)       # bytes of the reused buffer
ITERATIONS = {64 << 10: 24, 1 << 20: 8}
BIG = 50 << 20                    # sent once, from an entry method and from a coroutine


def check(tag, i, buf, wrong):
    """Records in `wrong` when buf does not hold exactly iteration i's values."""
    n = len(buf)
    expected = float(i) * n
    if buf[0] != i or buf[-1] != i or float(buf.sum()) != expected:
        wrong.append((tag, i, float(buf[0]), float(buf[-1]), float(buf.sum()), expected))


class Receiver(Chare):

    def __init__(self):
        self.wrong = []
        self.got = {}
        self.buf = np.empty((1 << 20) // 8)

    def take(self, tag, i, buf):
        check(tag, i, buf, self.wrong)
        self.got.setdefault(tag, []).append(i)

    def report(self):
        return self.wrong, self.got

    def give(self, i):
        """A ret=True reply from a buffer the chare writes again afterwards."""
        self.buf[:] = i
        return self.buf

    def push(self, future, i):
        """Future.send of a buffer written again right after."""
        self.give(i)
        future.send(self.buf)
        self.buf[:] = -i


def fill_loop(peer, tag, nbytes, iterations, wait=None):
    """Sends one buffer `iterations` times, writing it again right after each call."""
    buf = np.empty(nbytes // 8)
    for i in range(1, iterations + 1):
        buf[:] = i
        peer.take(tag, i, buf)
        buf[:] = -i                   # written after the call: must not be seen
        if wait:
            wait()
    return buf


class Sender(Chare):

    def plain(self, peers, target, big):
        """From an ordinary entry method, to another PE's receiver."""
        for nbytes in SIZES:
            fill_loop(peers[target], 'plain-%d' % nbytes, nbytes, ITERATIONS[nbytes])
        if big:
            fill_loop(peers[target], 'plain-big', BIG, 1)
        # a read-only view of a writable array can still change through its base
        base = np.empty((1 << 20) // 8)
        view = base.view()
        view.flags.writeable = False
        for i in range(1, 4):
            base[:] = i
            peers[target].take('readonly-view', i, view)
            base[:] = -i
        # an array over immutable bytes cannot change: sent as it is
        frozen = np.frombuffer(np.full((1 << 20) // 8, 5.0).tobytes())
        peers[target].take('frozen', 5, frozen)
        # broadcasts to every PE's receiver
        buf = np.empty((1 << 20) // 8)
        for i in range(1, 5):
            buf[:] = i
            peers.take('bcast', i, buf)
            buf[:] = -i

    @coro
    def in_coroutine(self, peers, target, big):
        """From a coroutine that waits (lets the runtime progress) between calls."""
        peer = peers[target]
        for nbytes in SIZES:
            fill_loop(peer, 'coro-%d' % nbytes, nbytes, ITERATIONS[nbytes],
                      wait=lambda: charm.sleep(0.001))
        if big:
            fill_loop(peer, 'coro-big', BIG, 1, wait=lambda: charm.sleep(0.01))
        buf = np.empty((1 << 20) // 8)
        for i in range(1, 4):
            buf[:] = i
            peers.take('coro-bcast', i, buf)
            buf[:] = -i
            charm.sleep(0.001)

    @coro
    def collect(self, peers):
        """Reports of every receiver; asked from this PE, so after this PE's sends."""
        return [peers[pe].report(ret=True).get() for pe in range(charm.numPes())]


# What the receivers reported after every send (filled by the first case, which
# does the sending; the second reads it): one (wrong, got) pair per PE.
reports = []


@case
def arguments_have_their_values_at_the_call(peers, senders):
    """every sender writes its buffer again right after each call (from entry
    methods and from coroutines, to one PE and to all): no receiver sees that"""
    n = charm.numPes()
    done = [senders[pe].plain(peers, (pe + 1) % n, pe == 0, ret=True) for pe in range(n)]
    for f in done:
        f.get()
    done = [senders[pe].in_coroutine(peers, (pe + 1) % n, pe == 0, ret=True) for pe in range(n)]
    for f in done:
        f.get()
    # each sender's report requests travel behind its own sends (per-pair order):
    # once every sender has collected, every message has arrived
    for pe in range(n):
        senders[pe].collect(peers, ret=True).get()
    got = senders[0].collect(peers, ret=True).get()
    reports.extend(got)
    wrong = [w for (ws, _) in got for w in ws]
    assert not wrong, 'receivers saw values written after the call (%s): %s' % (
        sorted(set(w[0] for w in wrong)), wrong[:5])


@case
def every_message_arrives_in_sender_order(peers, senders):
    """every message arrived, each sender's in order"""
    n = charm.numPes()
    assert len(reports) == n, 'the sending case did not collect the reports'
    got = reports
    for pe in range(n):
        counts = got[pe][1]
        for nbytes in SIZES:
            for kind in ('plain', 'coro'):
                assert counts['%s-%d' % (kind, nbytes)] == list(range(1, ITERATIONS[nbytes] + 1)), (pe, counts)
        assert counts['readonly-view'] == [1, 2, 3] and counts['frozen'] == [5]
        assert sorted(counts['bcast']) == sorted([1, 2, 3, 4] * n), (pe, counts['bcast'])
        assert sorted(counts['coro-bcast']) == sorted([1, 2, 3] * n), (pe, counts['coro-bcast'])
        if pe == 1 % n:
            assert counts['plain-big'] == [1] and counts['coro-big'] == [1]


@case
def replies_carry_the_value_they_had_when_sent(peers, senders):
    """replies from every PE (PE 0's to this PE's futures), buffer reused each time"""
    n = charm.numPes()
    for pe in range(n):
        replies = [peers[pe].give(i, ret=True) for i in range(1, 4)]
        wrong = []
        for i, r in enumerate(replies, start=1):
            check('reply', i, r.get(), wrong)
        futures = [Future() for _ in range(3)]
        for i, f in enumerate(futures, start=1):
            peers[pe].push(f, i)
        for i, f in enumerate(futures, start=1):
            check('future', i, f.get(), wrong)
        assert not wrong, (pe, wrong)


def main(args):
    peers = Group(Receiver)
    senders = Group(Sender)
    run_cases(peers, senders)


charm.start(main)
