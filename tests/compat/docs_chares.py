# Doc page: chare-api.rst ("Chares and Proxies"). Behaviours asserted:
#  - thisProxy: the collection's proxy for elements, the chare's own proxy for a single
#    chare (equal to the proxy Chare() returned); thisIndex: the PE for group elements,
#    a tuple for array elements;
#  - reduce(callback, data, reducer, section): callback a future, one element's method
#    or a whole collection's method (every element receives the result); "empty"
#    reductions (no data, no reducer); section= reduces over a section only;
#  - allreduce returns a future and every caller gets the result;
#  - migrate(toPe) called through a proxy moves the chare, migrated() is called there;
#  - methods called locally (self.method()) run at once, outside the runtime;
#  - Chare(type, args, onPE) creates one chare on the given PE and returns its proxy;
#  - proxy calls return at once and never run the method inline, even on the same PE;
#    positional and keyword arguments both arrive;
#  - awaitable=True: a future that resolves (to None) once the method ran on every
#    element; ret=True on a broadcast: the list of return values sorted by index;
#  - with ret or awaitable, an exception raised by the remote method is raised at the
#    caller when it queries the future (also from another PE, and for awaitable
#    broadcasts; a ret=True broadcast gets the exception in its place in the list of
#    return values, as charm4py 1.1's code does: it gathers the exception);
#  - proxies compare equal and hash alike whether made locally or received from
#    another PE (usable in sets and as dict keys);
#  - proxy methods can be sent to other chares and called as callbacks.
from charmpy import charm, Chare, Group, Array, Future, Reducer, coro


class Element(Chare):

    def __init__(self):
        self.results = []
        self.local_calls = 0
        self.moves = []

    def index(self):
        return self.thisIndex

    def pe(self):
        return charm.myPe()

    def ownProxy(self):
        return self.thisProxy

    def bump(self):
        self.local_calls += 1

    def callLocally(self):
        before = self.local_calls
        self.bump()                       # a plain Python call: runs right here
        return before, self.local_calls

    def callThroughProxy(self):
        before = self.local_calls
        self.thisProxy[self.thisIndex].bump()   # same chare, same PE: still queued
        return before, self.local_calls

    def localCalls(self):
        return self.local_calls

    def sumTo(self, callback):
        self.reduce(callback, self.thisIndex[0], Reducer.sum)

    def barrier(self, future):
        self.reduce(future)

    def sectionSum(self, section, future):
        self.reduce(future, 1, Reducer.sum, section=section)

    def gotResult(self, value):
        self.results.append(value)

    def getResults(self):
        return self.results

    @coro
    def allSum(self):
        return self.allreduce(self.thisIndex[0] + 1, Reducer.sum).get()

    def migrated(self):
        self.moves.append(charm.myPe())

    def getMoves(self):
        return self.moves

    def kw(self, a, b=0, *, c=None):
        return (a, b, c)

    def fail(self, message):
        if self.thisIndex[0] == 1:
            raise ValueError(message)
        return 'fine'

    def proxies(self, received):
        return received == self.thisProxy, hash(received) == hash(self.thisProxy), \
            {self.thisProxy: 'here'}.get(received)


class Single(Chare):

    def __init__(self, tag):
        self.tag = tag

    def describe(self):
        return charm.myPe(), self.tag, self.thisProxy

    def work(self, callback):
        callback(self.tag * 2)


def main(args):
    n = charm.numPes()
    size = 2 * n + 2
    arr = Array(Element, size)

    # thisIndex / thisProxy
    assert arr.index(ret=True).get() == [(i,) for i in range(size)]
    assert all(p == arr for p in arr.ownProxy(ret=True).get())
    g = Group(Element)
    assert g.index(ret=True).get() == list(range(n)) == g.pe(ret=True).get()

    # single chares on a chosen PE
    for pe in range(n):
        s = Chare(Single, args=['tag%d' % pe], onPE=pe)
        where, tag, own = s.describe(ret=True).get()
        assert (where, tag) == (pe, 'tag%d' % pe) and own == s, (where, tag)
    anywhere = Chare(Single, args=['x'])
    assert 0 <= anywhere.describe(ret=True).get()[0] < n

    # reduce: to a future, to one element, to the whole collection, empty, section
    total = sum(range(size))
    f = Future()
    arr.sumTo(f)
    assert f.get() == total
    arr.sumTo(arr[1].gotResult)
    arr.sumTo(arr.gotResult)
    f = Future()
    arr.barrier(f)
    assert f.get() is None
    charm.waitQD()
    results = arr.getResults(ret=True).get()
    assert results[1] == [total, total] and all(r == [total] for i, r in enumerate(results)
                                                 if i != 1), results
    section = arr[0:size:2]
    f = Future()
    section.sectionSum(section, f)
    assert f.get() == len(range(0, size, 2))

    # allreduce: every caller gets the result
    assert arr.allSum(ret=True).get() == [sum(range(1, size + 1))] * size

    # local calls run at once; proxy calls are queued, even on the same PE
    assert arr[0].callLocally(ret=True).get() == (0, 1)
    assert arr[0].callThroughProxy(ret=True).get() == (1, 1)
    charm.waitQD()
    assert arr[0].localCalls(ret=True).get() == 2

    # migration through a proxy; migrated() is called on the new PE
    if n > 1:
        start = arr[3].pe(ret=True).get()
        dest = (start + 1) % n
        arr[3].migrate(dest)
        charm.waitQD()
        assert arr[3].pe(ret=True).get() == dest
        assert arr[3].getMoves(ret=True).get() == [dest]

    # awaitable and ret, keyword arguments
    assert arr.bump(awaitable=True).get() is None
    assert arr.localCalls(ret=True).get()[1] == 1
    assert arr[2].kw(1, b=2, c=3, ret=True).get() == (1, 2, 3)
    assert arr.kw('a', c='z', ret=True).get() == [('a', 0, 'z')] * size

    # exceptions reach the caller through the future
    for call in (lambda: arr[1].fail('boom', ret=True), lambda: arr[1].fail('boom', awaitable=True),
                 lambda: arr.fail('boom', awaitable=True)):
        try:
            call().get()
        except ValueError as e:
            assert 'boom' in str(e)
        else:
            raise AssertionError('the remote exception was not raised at the caller')
    assert arr[0].fail('no', ret=True).get() == 'fine'
    replies = arr.fail('boom', ret=True).get()
    assert isinstance(replies[1], ValueError) and 'boom' in str(replies[1]), replies
    assert replies[:1] + replies[2:] == ['fine'] * (size - 1), replies

    # proxies: equality and hashing across PEs
    assert arr.proxies(arr, ret=True).get() == [(True, True, 'here')] * size
    remote_own = arr[size - 1].ownProxy(ret=True).get()
    assert remote_own == arr and hash(remote_own) == hash(arr)
    assert len({arr, remote_own, g}) == 2
    assert {arr[1]: 1}[arr[1]] == 1 and arr[1] != arr[2] and arr[1] != g[0]

    # a proxy method used as a callback
    s = Chare(Single, args=[21], onPE=n - 1)
    s.work(arr[0].gotResult)
    charm.waitQD()
    assert arr[0].getResults(ret=True).get()[-1] == 42

    print('docs_chares: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
