# Futures: made here and set elsewhere, several values, from coroutines and nested
# coroutines, charm.wait/iwait/sleep, and exceptions travelling back to get().
import time

from charmpy import charm, Chare, Group, Array, Future, coro, threaded, RemoteException


class Unpicklable(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.fn = lambda: None   # does not pickle


class Node(Chare):

    def __init__(self):
        self.value = self.thisIndex[0] * 10 if isinstance(self.thisIndex, tuple) else 0

    def reply(self, f, extra=0):
        f.send(charm.myPe() + extra)

    def replyCall(self, f):
        f(self.thisIndex)           # calling a future is send()

    def get(self):
        return self.value

    @coro
    def chainSum(self, i, last):
        # nested coroutines: each element waits for the next one
        if i == last:
            return self.value
        return self.value + self.thisProxy[i + 1].chainSum(i + 1, last, ret=True).get()

    @threaded
    def askOther(self, other):
        return other.get(ret=True).get() + 1

    def fail(self, msg):
        raise ValueError(msg)

    def failOn(self, pe):
        if charm.myPe() == pe:
            raise KeyError('failed on PE %d' % pe)
        return pe

    @coro
    def failThrough(self, other):
        return other.fail('inner failure', ret=True).get()

    def failUnpicklable(self):
        raise Unpicklable('no pickle')

    def getOutsideCoroutine(self):
        Future().get()

    @coro
    def sleepy(self, secs):
        t0 = time.time()
        charm.sleep(secs)
        return time.time() - t0

    def sendException(self, f):
        f.send(ZeroDivisionError('sent, not raised'))


class Waiter(Chare):

    @coro
    def __init__(self, other, done):
        # a coroutine constructor that waits on another collection
        self.got = other[self.thisIndex[0] % charm.numPes()].get(ret=True).get()
        done.send(self.thisIndex)

    def getGot(self):
        return self.got


def main(args):
    n = charm.numPes()
    g = Group(Node)
    a = Array(Node, 3 * n)

    # a future set by another PE, and one collecting several values
    for pe in range(n):
        f = Future()
        g[pe].reply(f, 100)
        assert f.get() == pe + 100
    f = Future(num_vals=n)
    g.reply(f)
    assert sorted(f.get() if n > 1 else [f.get()]) == list(range(n))
    # charm4py's earlier keyword for the number of values: senders
    for f in (Future(senders=n), charm.createFuture(senders=n)):
        g.reply(f)
        assert sorted(f.get() if n > 1 else [f.get()]) == list(range(n))
    f = Future(3 * n)
    a.replyCall(f)
    assert sorted(f.get()) == [(i,) for i in range(3 * n)]

    # nested coroutines
    assert a[0].chainSum(0, 3 * n - 1, ret=True).get() == sum(10 * i for i in range(3 * n))
    for i in range(3 * n):
        assert a[i].askOther(g[i % n], ret=True).get() == 1
        assert g[i % n].askOther(a[i], ret=True).get() == 10 * i + 1

    # charm.wait and charm.iwait
    fs = [a[i].get(ret=True) for i in range(3 * n)]
    charm.wait(fs)
    assert all(f.ready() for f in fs)
    assert [f.get() for f in fs] == [10 * i for i in range(3 * n)]
    fs = [g[pe].sleepy(0.05 * (n - pe), ret=True) for pe in range(n)]
    seen = [f for f in charm.iwait(fs)]
    assert sorted(id(f) for f in seen) == sorted(id(f) for f in fs)
    assert all(f.get() >= 0.05 * (n - pe) - 0.01 for pe, f in enumerate(fs))

    # charm.sleep in the entry
    t0 = time.time()
    charm.sleep(0.2)
    assert time.time() - t0 >= 0.19

    # a coroutine constructor, and awaitCreation waiting for it
    done = Future(2 * n)
    w = Array(Waiter, 2 * n, args=[g, done])
    charm.awaitCreation(w, g, a)
    assert sorted(done.get()) == [(i,) for i in range(2 * n)]
    assert w.getGot(ret=True).get() == [0] * (2 * n)

    # exceptions reach get(), as themselves, with the remote traceback
    for pe in range(n):
        try:
            g[pe].fail('boom %d' % pe, ret=True).get()
        except ValueError as e:
            assert str(e) == 'boom %d' % pe
            assert 'in fail' in e.remote_stacktrace and 'ValueError' in e.remote_stacktrace
            assert 'PE %d' % pe in e.remote_stacktrace
            assert any('in fail' in note for note in e.__notes__)
        else:
            raise AssertionError('no exception')
    try:
        a[1].failThrough(a[2], ret=True).get()
    except ValueError as e:
        assert str(e) == 'inner failure'
        assert 'failThrough' in e.remote_stacktrace
    else:
        raise AssertionError('no exception')
    try:
        g.failOn(n - 1, awaitable=True).get()
    except KeyError as e:
        assert 'failed on PE %d' % (n - 1) in str(e)
    else:
        raise AssertionError('no exception from a broadcast')
    # ret=True: as in charm4py, the list of results with the exception in its place
    results = g.failOn(n - 1, ret=True).get()
    assert results[:-1] == [n - 1] * (n - 1), results
    assert isinstance(results[-1], KeyError) and 'failed on PE %d' % (n - 1) in str(results[-1])
    assert 'PE %d' % (n - 1) in results[-1].remote_stacktrace
    try:
        a[0].fail('awaitable', awaitable=True).get()
    except ValueError:
        pass
    else:
        raise AssertionError('no exception')
    try:
        g[n - 1].failUnpicklable(ret=True).get()
    except RemoteException as e:
        assert e.type_name.endswith('Unpicklable') and 'no pickle' in e.remote_stacktrace
    else:
        raise AssertionError('no RemoteException')
    try:
        g[0].getOutsideCoroutine(ret=True).get()
    except RuntimeError as e:
        assert 'coroutine' in str(e)
    else:
        raise AssertionError('Future.get() outside a coroutine should fail')
    f = Future()
    g[n - 1].sendException(f)
    try:
        f.get()
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError('an exception sent as a value is raised by get()')

    # after all that, things still work
    assert g.get(ret=True).get() == [0] * n
    print('test_futures: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
