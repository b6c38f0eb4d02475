# Proxies travel as arguments, compare and hash the same on every PE, pickle, and
# `proxy.method` is a picklable callable usable later as a callback.
import pickle

from charmpy import charm, Chare, Group, Array, Future, coro

from cases import case, run_cases


class Holder(Chare):

    def __init__(self):
        self.values = []

    def hashes(self, proxies):
        return [hash(p) for p in proxies]

    def equal(self, p, q):
        return p == q, p != q, hash(p) == hash(q)

    def lookup(self, table, key):
        return table[key]

    def myProxies(self):
        return self.thisProxy, self.thisProxy[self.thisIndex]

    def selfProxy(self):
        return self.thisProxy, self.thisIndex

    def callBack(self, target, value):
        target(value)          # a proxy method or a future, received as an argument

    def store(self, value):
        self.values.append(value)

    def getValues(self):
        return list(self.values)

    @coro
    def callThrough(self, proxy, value):
        # a proxy received as an argument is used to call its element
        return proxy.echo(value, ret=True).get()


class Echo(Chare):

    def echo(self, value):
        return ('echo', self.thisIndex, value)


def wait_for(get, count):
    """Polls get() until it returns `count` items (messages from several PEs)."""
    for _ in range(1000):
        items = get()
        if len(items) >= count:
            return items
        charm.sleep(0.01)
    raise AssertionError('timed out: %r' % (items,))


@case
def proxies_equal_and_hash_by_collection_and_index(g, a, e, c, proxies):
    # equality and hashing
    assert a[1, 2] == a[1, 2] and a[1, 2] == a[(1, 2)] and a[0, 0] == a[[0, 0]]
    assert a[1, 2] != a[1, 1] and a != a[0, 0] and g[0] != e[0] and g != a
    assert len(set(proxies)) == len(proxies)
    assert len({g[0], g[0], a[1, 2], a[(1, 2)]}) == 2


@case
def pickled_proxy_equals_the_original(g, a, e, c, proxies):
    # pickling in place
    for p in proxies:
        q = pickle.loads(pickle.dumps(p))
        assert q == p and hash(q) == hash(p) and type(q) is type(p)


@case
def proxies_hash_and_compare_the_same_on_every_pe(g, a, e, c, proxies):
    n = charm.numPes()
    # the same hashes and equalities on every PE
    local_hashes = [hash(p) for p in proxies]
    assert g.hashes(proxies, ret=True).get() == [local_hashes] * n
    for pe in range(n):
        assert g[pe].equal(a[1, 2], a[1, 2], ret=True).get() == (True, False, True)
        assert g[pe].equal(a[1, 2], a[0, 2], ret=True).get() == (False, True, False)
        table = {p: i for i, p in enumerate(proxies)}
        assert g[pe].lookup(table, a[1, 2], ret=True).get() == proxies.index(a[1, 2])


@case
def this_proxy_seen_inside_equals_the_proxy_made_outside(g, a, e, c, proxies):
    n = charm.numPes()
    # thisProxy seen from inside equals the proxy made here
    for i in range(2):
        for j in range(3):
            coll, elem = a[i, j].myProxies(ret=True).get()
            assert coll == a and elem == a[i, j]
    assert g[n - 1].myProxies(ret=True).get() == (g, g[n - 1])
    assert c.selfProxy(ret=True).get() == (c, (0,))   # a single chare's own proxy


@case
def proxy_received_as_argument_calls_its_element(g, a, e, c, proxies):
    n = charm.numPes()
    # proxies received as arguments work
    for pe in range(n):
        assert g[pe].callThrough(e[(pe + 1) % n], pe, ret=True).get() == \
            ('echo', ((pe + 1) % n,), pe)


# The callback cases run in this order: whole_array_method_as_callback_broadcasts
# checks what element_method_pickled_and_called_later_as_callback stored in a[1, 2].
@case
def element_method_pickled_and_called_later_as_callback(g, a, e, c, proxies):
    n = charm.numPes()
    # proxy.method sent as an argument and called later (a callback)
    method = a[1, 2].store
    copy = pickle.loads(pickle.dumps(method))
    assert copy.__self__ == method.__self__ and copy.__name__ == method.__name__ == 'store'
    for pe in range(n):
        g[pe].callBack(method, pe, awaitable=True).get()
    # the stores come from every PE: wait until all arrived
    values = wait_for(lambda: a[1, 2].getValues(ret=True).get(), n)
    assert sorted(values) == list(range(n)), values


@case
def single_chare_method_as_callback_from_every_pe(g, a, e, c, proxies):
    n = charm.numPes()
    g.callBack(c.store, 'broadcast', awaitable=True).get()
    assert wait_for(lambda: c.getValues(ret=True).get(), n) == ['broadcast'] * n


@case
def whole_array_method_as_callback_broadcasts(g, a, e, c, proxies):
    n = charm.numPes()
    # a whole-collection method as a callback: a broadcast
    g[0].callBack(a.store, 'all', awaitable=True).get()
    values = wait_for(lambda: a.getValues(ret=True).get()[0], 1) and a.getValues(ret=True).get()
    assert sorted(values[-1][:-1]) == list(range(n)) and values[-1][-1] == 'all', values
    assert values[:-1] == [['all']] * 5, values


@case
def future_as_callback(g, a, e, c, proxies):
    n = charm.numPes()
    # a future as a callback
    f = Future()
    g[n - 1].callBack(f, 'future value')
    assert f.get() == 'future value'


def main(args):
    n = charm.numPes()
    g = Group(Holder)
    a = Array(Holder, (2, 3))
    e = Array(Echo, n)
    c = Chare(Holder, onPE=n - 1)
    proxies = [g, g[n - 1], a, a[0, 0], a[1, 2], e, e[0], c]
    run_cases(g, a, e, c, proxies)


charm.start(main)
