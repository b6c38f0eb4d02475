# Destroying arrays (proxy.ckDestroy()): every PE deletes its elements (their
# Python objects are released); calls this PE made to the array before ckDestroy
# are delivered first (also when that PE is not PE 0); using a proxy of it
# afterwards raises RuntimeError at the call, on any PE that has seen the destroy;
# a call that waited for an element at destroy time raises at its future; other arrays, their reductions and arrays
# created afterwards work; sparse arrays, arrays whose elements migrated, arrays
# placed by an ArrayMap and useAtSync arrays (after a balancing step) are destroyed
# too; a section of a destroyed array refuses broadcasts at the call; an
# element proxy's ckDestroy raises NotImplementedError.
import gc

from charmpy import charm, Chare, Group, Array, ArrayMap, Reducer, coro

from cases import case, run_cases


def live_objects(name):
    """Objects of chare class `name` alive on this PE."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__name__ == name)


class Cell(Chare):

    def __init__(self, log=None):
        self.log = log
        self.data = [self.thisIndex] * 4

    def value(self):
        return self.thisIndex[0] * 10

    def ping(self, tag):
        self.log.got(tag, self.thisIndex[0])

    def add(self, x, done):
        self.reduce(done, self.thisIndex[0] + x, Reducer.sum)

    def move(self):
        self.migrate((charm.myPe() + 1) % charm.numPes())


class Other(Chare):

    def total(self, done):
        self.reduce(done, 1, Reducer.sum)


class Syncing(Chare):

    def sync(self, f):
        self.resume_future = f
        self.AtSync()

    def resumeFromSync(self):
        self.contribute(1, Reducer.sum, self.resume_future)


class Reversed(ArrayMap):

    def procNum(self, index):
        return charm.numPes() - 1 - index[0] % charm.numPes()


class Log(Chare):

    def __init__(self):
        self.seen = {}

    def got(self, tag, i):
        self.seen.setdefault(tag, []).append(i)

    def count(self, tag):
        return sorted(self.seen.get(tag, []))


class Probe(Chare):

    def live(self, name):
        return live_objects(name)

    def call_destroyed(self, proxy):
        """A call on a proxy of a destroyed array from this PE: raises at the call
        once this PE has seen the destroy, else at the future."""
        try:
            f = proxy[0].value(ret=True)
        except RuntimeError as e:
            assert 'destroyed' in str(e), str(e)
            return 'call'
        try:
            f.get()
        except LookupError as e:
            assert 'destroyed' in str(e), str(e)
            return 'future'
        raise AssertionError('a call to a destroyed array returned a value')

    @coro
    def call_destroyed_coro(self, proxy):
        return self.call_destroyed(proxy)

    def create_call_destroy(self, log, n):
        """From this PE: creates an array, calls every element and broadcasts to it,
        then destroys it at once; everything sent before the destroy is delivered."""
        a = Array(Cell, n, args=[log])
        for i in range(n):
            a[i].ping('direct-from-%d' % charm.myPe())
        a.ping('broadcast-from-%d' % charm.myPe())
        a.ckDestroy()


def live_everywhere(probes, name):
    return sum(probes.live(name, ret=True).get())


# Each case destroys what it created and checks that no element is left alive, so a
# case's live counts hold only if the cases before it cleaned up: they run in order.


@case
def destroy_releases_every_element(probes):
    n = 8 * charm.numPes() + 3
    a = Array(Cell, n)
    charm.awaitCreation(a)
    assert live_everywhere(probes, 'Cell') == n
    a.ckDestroy()
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0


@case
def calls_before_destroy_are_delivered(probes):
    log = Chare(Log, onPE=0)
    n = 6 * charm.numPes()
    a = Array(Cell, n, args=[log])
    for i in range(n):
        a[i].ping('direct')
    a.ping('broadcast')
    a.ckDestroy()
    charm.waitQD()
    assert log.count('direct', ret=True).get() == list(range(n))
    assert log.count('broadcast', ret=True).get() == list(range(n))
    assert live_everywhere(probes, 'Cell') == 0


@case
def destroy_from_another_pe_delivers_its_earlier_calls(probes):
    log = Chare(Log, onPE=0)
    n = 6 * charm.numPes()
    last = charm.numPes() - 1
    probes[last].create_call_destroy(log, n)
    charm.waitQD()
    assert log.count('direct-from-%d' % last, ret=True).get() == list(range(n))
    assert log.count('broadcast-from-%d' % last, ret=True).get() == list(range(n))
    assert live_everywhere(probes, 'Cell') == 0


@case
def calls_after_destroy_raise_at_the_call(probes):
    a = Array(Cell, 4)
    a.ckDestroy()
    for call in (lambda: a.value(), lambda: a[1].value(ret=True), lambda: a[2].value(awaitable=True),
                 lambda: a.ckDestroy()):
        try:
            call()
        except RuntimeError as e:
            assert 'destroyed' in str(e) and 'ckDestroy' in str(e), str(e)
        else:
            raise AssertionError('a call on a destroyed array did not raise')
    charm.waitQD()
    # Every other PE has seen the destroy now: calls from there raise at the call too.
    assert probes.call_destroyed_coro(a, ret=True).get() == ['call'] * charm.numPes()


@case
def call_waiting_for_an_element_raises_at_its_future(probes):
    s = Array(Cell, ndims=1)
    s.ckInsert(0)
    waiting = s[999].value(ret=True)     # waits at its home for an insertion
    charm.waitQD()
    s.ckDestroy()
    try:
        waiting.get()
    except LookupError as e:
        text = str(e)
        for part in ('Cell', '(999,)', 'value', 'destroyed'):
            assert part in text, (part, text)
    else:
        raise AssertionError('a call waiting for an element of a destroyed array returned')
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0


@case
def sparse_array_destroyed(probes):
    s = Array(Cell, ndims=2)
    for i in range(3 * charm.numPes()):
        s.ckInsert((i, i), onPE=i % charm.numPes())
    s.ckDoneInserting()
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 3 * charm.numPes()
    s.ckDestroy()
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0


@case
def array_with_migrated_elements_destroyed(probes):
    n = 4 * charm.numPes()
    a = Array(Cell, n)
    a.move(awaitable=True).get()
    charm.waitQD()
    assert a[n - 1].value(ret=True).get() == (n - 1) * 10
    a.ckDestroy()
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0


@case
def other_and_new_arrays_work_after_a_destroy(probes):
    n = 5 * charm.numPes()
    b = Array(Other, n)
    doomed = [Array(Cell, n) for _ in range(3)]
    f = charm.createFuture()
    b.total(f)                      # a reduction over b in flight while the others go
    for a in doomed:
        a.ckDestroy()
    assert f.get() == n
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0
    assert live_everywhere(probes, 'Other') == n
    fresh = Array(Cell, n)
    done = charm.createFuture()
    fresh.add(1, done)
    assert done.get() == sum(i + 1 for i in range(n))
    assert fresh[n - 1].value(ret=True).get() == (n - 1) * 10
    g = charm.createFuture()
    b.total(g)
    assert g.get() == n
    fresh.ckDestroy()
    b.ckDestroy()
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0 and live_everywhere(probes, 'Other') == 0


@case
def section_of_destroyed_array_refuses_broadcasts(probes):
    n = 4 * charm.numPes()
    a = Array(Cell, n)
    sec = a[0:n:2]
    assert sec.value(ret=True).get() == [i * 10 for i in range(0, n, 2)]
    a.ckDestroy()
    try:
        sec.value()
    except RuntimeError as e:
        assert 'destroyed' in str(e), str(e)
    else:
        raise AssertionError('a broadcast to a section of a destroyed array did not raise')
    charm.waitQD()
    assert live_everywhere(probes, 'Cell') == 0


@case
def at_sync_arrays_destroyed_after_balancing(probes):
    n = 3 * charm.numPes()
    for _ in range(2):   # the second array balances after the first was destroyed
        a = Array(Syncing, n, useAtSync=True)
        f = charm.createFuture()
        a.sync(f)
        assert f.get() == n
        a.ckDestroy()
        charm.waitQD()
        assert live_everywhere(probes, 'Syncing') == 0


@case
def array_map_arrays_destroyed(probes):
    m = Group(Reversed)
    n = 3 * charm.numPes()
    for _ in range(2):
        a = Array(Cell, n, map=m)
        assert a[0].value(ret=True).get() == 0
        assert a.value(ret=True).get() == [i * 10 for i in range(n)]
        a.ckDestroy()
        charm.waitQD()
        assert live_everywhere(probes, 'Cell') == 0


@case
def element_proxy_ck_destroy_raises_not_implemented(probes):
    a = Array(Cell, 2)
    try:
        a[0].ckDestroy()
    except NotImplementedError as e:
        assert 'whole arrays' in str(e), str(e)
    else:
        raise AssertionError('ckDestroy on an element proxy did not raise')
    assert a[1].value(ret=True).get() == 10
    a.ckDestroy()
    charm.waitQD()


def main(args):
    probes = Group(Probe)
    charm.awaitCreation(probes)
    run_cases(probes)


charm.start(main)
