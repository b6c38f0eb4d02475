# Futures: made here and set elsewhere, several values, from coroutines and nested
# coroutines, charm.wait/iwait/sleep, and exceptions travelling back to get().
import time

from charmpy import charm, Chare, Group, Array, Future, coro, threaded, RemoteException

from cases import case, run_cases


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


@case
def future_set_by_another_pe(g, a):
    n = charm.numPes()
    for pe in range(n):
        f = Future()
        g[pe].reply(f, 100)
        assert f.get() == pe + 100


@case
def future_collects_several_values(g, a):
    n = charm.numPes()
    f = Future(num_vals=n)
    g.reply(f)
    assert sorted(f.get() if n > 1 else [f.get()]) == list(range(n))


@case
def senders_keyword_counts_values(g, a):
    """charm4py's earlier keyword for the number of values: senders"""
    n = charm.numPes()
    for f in (Future(senders=n), charm.createFuture(senders=n)):
        g.reply(f)
        assert sorted(f.get() if n > 1 else [f.get()]) == list(range(n))


@case
def calling_a_future_sends_to_it(g, a):
    n = charm.numPes()
    f = Future(3 * n)
    a.replyCall(f)
    assert sorted(f.get()) == [(i,) for i in range(3 * n)]


@case
def nested_coroutines_chain_across_elements(g, a):
    n = charm.numPes()
    assert a[0].chainSum(0, 3 * n - 1, ret=True).get() == sum(10 * i for i in range(3 * n))


@case
def threaded_entry_waits_on_another_collection(g, a):
    n = charm.numPes()
    for i in range(3 * n):
        assert a[i].askOther(g[i % n], ret=True).get() == 1
        assert g[i % n].askOther(a[i], ret=True).get() == 10 * i + 1


@case
def charm_wait_readies_all_futures(g, a):
    n = charm.numPes()
    fs = [a[i].get(ret=True) for i in range(3 * n)]
    charm.wait(fs)
    assert all(f.ready() for f in fs)
    assert [f.get() for f in fs] == [10 * i for i in range(3 * n)]


@case
def charm_iwait_yields_every_future(g, a):
    n = charm.numPes()
    fs = [g[pe].sleepy(0.05 * (n - pe), ret=True) for pe in range(n)]
    seen = [f for f in charm.iwait(fs)]
    assert sorted(id(f) for f in seen) == sorted(id(f) for f in fs)
    assert all(f.get() >= 0.05 * (n - pe) - 0.01 for pe, f in enumerate(fs))


@case
def charm_sleep_in_the_entry(g, a):
    t0 = time.time()
    charm.sleep(0.2)
    assert time.time() - t0 >= 0.19


@case
def coroutine_constructor_and_await_creation(g, a):
    """a coroutine constructor, and awaitCreation waiting for it"""
    n = charm.numPes()
    done = Future(2 * n)
    w = Array(Waiter, 2 * n, args=[g, done])
    charm.awaitCreation(w, g, a)
    assert sorted(done.get()) == [(i,) for i in range(2 * n)]
    assert w.getGot(ret=True).get() == [0] * (2 * n)


@case
def exception_reaches_get_with_remote_traceback(g, a):
    """exceptions reach get(), as themselves, with the remote traceback"""
    n = charm.numPes()
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


@case
def exception_passes_through_a_waiting_coroutine(g, a):
    try:
        a[1].failThrough(a[2], ret=True).get()
    except ValueError as e:
        assert str(e) == 'inner failure'
        assert 'failThrough' in e.remote_stacktrace
    else:
        raise AssertionError('no exception')


@case
def broadcast_awaitable_raises_an_elements_exception(g, a):
    n = charm.numPes()
    try:
        g.failOn(n - 1, awaitable=True).get()
    except KeyError as e:
        assert 'failed on PE %d' % (n - 1) in str(e)
    else:
        raise AssertionError('no exception from a broadcast')


@case
def broadcast_ret_lists_the_exception_in_its_place(g, a):
    """ret=True: as in charm4py, the list of results with the exception in its place"""
    n = charm.numPes()
    results = g.failOn(n - 1, ret=True).get()
    assert results[:-1] == [n - 1] * (n - 1), results
    assert isinstance(results[-1], KeyError) and 'failed on PE %d' % (n - 1) in str(results[-1])
    assert 'PE %d' % (n - 1) in results[-1].remote_stacktrace


@case
def awaitable_call_raises_the_exception(g, a):
    try:
        a[0].fail('awaitable', awaitable=True).get()
    except ValueError:
        pass
    else:
        raise AssertionError('no exception')


@case
def unpicklable_exception_arrives_as_remote_exception(g, a):
    n = charm.numPes()
    try:
        g[n - 1].failUnpicklable(ret=True).get()
    except RemoteException as e:
        assert e.type_name.endswith('Unpicklable') and 'no pickle' in e.remote_stacktrace
    else:
        raise AssertionError('no RemoteException')


@case
def future_get_outside_a_coroutine_fails(g, a):
    try:
        g[0].getOutsideCoroutine(ret=True).get()
    except RuntimeError as e:
        assert 'coroutine' in str(e)
    else:
        raise AssertionError('Future.get() outside a coroutine should fail')


@case
def exception_sent_as_a_value_is_raised_by_get(g, a):
    n = charm.numPes()
    f = Future()
    g[n - 1].sendException(f)
    try:
        f.get()
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError('an exception sent as a value is raised by get()')


@case
def things_still_work_after_the_exceptions(g, a):
    """after all that, things still work (runs last: after the cases above)"""
    n = charm.numPes()
    assert g.get(ret=True).get() == [0] * n


def main(args):
    n = charm.numPes()
    g = Group(Node)
    a = Array(Node, 3 * n)
    run_cases(g, a)


charm.start(main)
