# Doc pages: futures-api.rst ("Futures") and channels.rst ("Channels"), with the
# introduction's examples. Behaviours asserted:
#  - Future(num_vals=k).get() returns the list of the k values; Future() one value;
#  - futures can be sent to any chare, which sets them with send(value) or by calling
#    them (send() / f() without a value give None);
#  - a future that receives an Exception raises it from get();
#  - get() on a pending future needs a coroutine (elsewhere: an error naming @coro).
#    (The page also says futures can only be created from coroutines; charm4py raises
#    there, charmpy allows creating them anywhere, a deliberate superset: not asserted.)
#  - a future is a reduction callback;
#  - charm.createFuture(), the older spelling, works the same;
#  - Channel(self, remote=proxy) may be created outside a coroutine and used from one;
#    send(*args) / recv() returns the argument (or the tuple of several), in order;
#  - several channels to the same remote are independent; charm.iwait and charm.wait
#    work on channels.
from charmpy import charm, Chare, Array, Future, Channel, Reducer, coro


class Peer(Chare):

    def __init__(self):
        me = self.thisIndex[0]
        other = self.thisProxy[1 - me]
        # created in the constructor (not a coroutine), used from coroutines
        self.first = Channel(self, remote=other)
        self.second = Channel(self, remote=other)

    def setFuture(self, future, how):
        if how == 'send':
            future.send(self.thisIndex[0])
        elif how == 'call':
            future(self.thisIndex[0])
        elif how == 'none':
            future.send()
        elif how == 'call-none':
            future()
        elif how == 'error':
            future.send(KeyError('sent error'))

    def tryFuture(self):
        # not a coroutine: waiting on a future that has no value yet is an error
        try:
            Future().get()
        except Exception as e:
            return str(e)
        return 'waited'

    def reduceTo(self, future):
        self.reduce(future, [self.thisIndex[0]], Reducer.gather)

    @coro
    def exchange(self, count):
        for i in range(count):
            self.first.send(i)
            self.second.send('second', i, None)
        firsts = [self.first.recv() for _ in range(count)]
        seconds = [self.second.recv() for _ in range(count)]
        return firsts, seconds

    @coro
    def waitOnChannels(self):
        me = self.thisIndex[0]
        if me == 1:
            self.second.send('b')
            charm.sleep(0.05)
            self.first.send('a')
            return None
        order = [ch.recv() for ch in charm.iwait([self.first, self.second])]
        self.first.send('again')
        self.second.send('again')
        return order

    @coro
    def waitAll(self):
        if self.thisIndex[0] == 1:
            charm.wait([self.first, self.second])
            return self.first.recv(), self.second.recv()


def main(args):
    n = charm.numPes()
    peers = Array(Peer, 2)

    f = Future(num_vals=3)
    peers[0].setFuture(f, 'send')
    peers[1].setFuture(f, 'call')
    peers[1].setFuture(f, 'send')
    assert sorted(f.get()) == [0, 1, 1]
    for how in ('send', 'call'):
        f = Future()
        peers[1].setFuture(f, how)
        assert f.get() == 1
    for how in ('none', 'call-none'):
        f = charm.createFuture()
        peers[0].setFuture(f, how)
        assert f.get() is None
    f = Future()
    peers[1].setFuture(f, 'error')
    try:
        f.get()
    except KeyError as e:
        assert 'sent error' in str(e)
    else:
        raise AssertionError('a future holding an exception did not raise it')
    message = peers[0].tryFuture(ret=True).get()
    assert 'coro' in message, message

    f = Future()
    peers.reduceTo(f)
    assert f.get() == [[0], [1]]

    (f0, s0), (f1, s1) = peers.exchange(20, ret=True).get()
    assert f0 == f1 == list(range(20))
    assert s0 == s1 == [('second', i, None) for i in range(20)]
    order = peers.waitOnChannels(ret=True)
    all_f = peers.waitAll(ret=True)
    assert order.get()[0] == ['b', 'a'], order
    assert all_f.get()[1] == ('again', 'again')

    print('docs_futures_channels: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
