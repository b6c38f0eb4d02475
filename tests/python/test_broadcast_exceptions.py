# Broadcasts whose method raises on some elements, checked against charm4py 1.1:
# with ret=True the future gives the list of results in element order with each
# failing element's exception object in its place (charm4py gathers the exception
# as that element's contribution); with awaitable=True get() raises the exception.
# For groups, arrays (1-d and 2-d), sections and combined sections, plain and
# coroutine methods, every element failing, and an exception that cannot be pickled.
from charm4py import charm, Chare, Group, Array, coro, RemoteException

from cases import case, run_cases


class Unpicklable(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.fn = lambda: None   # does not pickle


class Test(Chare):

    def k(self):
        return self.thisIndex if isinstance(self.thisIndex, int) else self.thisIndex[0]

    def bad(self, period):
        if self.k() % period == period - 1:
            raise NameError('element %d fails' % self.k())
        return 'good %d' % self.k()

    @coro
    def bad_th(self, period):
        charm.sleep(0.001)
        return self.bad(period)

    def allbad(self):
        raise KeyError(self.k())

    def unpicklable(self):
        raise Unpicklable('element %d' % self.k())


def expect_failures(results, keys, period, what):
    assert len(results) == len(keys), (what, results)
    for key, r in zip(keys, results):
        if key % period == period - 1:
            assert isinstance(r, NameError), (what, key, r)
            assert str(r) == 'element %d fails' % key, (what, r)
            assert 'in bad' in r.remote_stacktrace, (what, r.remote_stacktrace)
        else:
            assert r == 'good %d' % key, (what, key, r)


def expect_raise(call, exc_type, what):
    try:
        call()
    except exc_type:
        return
    raise AssertionError('%s: no %s raised' % (what, exc_type.__name__))


def targets():
    """(proxy, keys of its elements in element order, label)."""
    n = charm.numPes()
    g = Group(Test)
    a = Array(Test, 2 * n + 3)
    a2 = Array(Test, (n + 1, 2))
    out = [(g, list(range(n)), 'group'), (a, list(range(2 * n + 3)), 'array'),
           (a2, [i for i in range(n + 1) for _ in range(2)], '2-d array')]
    sec = charm.split(a, 1, elems=list(range(1, 2 * n + 3, 2)))[0]
    out.append((sec, list(range(1, 2 * n + 3, 2)), 'array section'))
    out.append((g[::2], list(range(0, n, 2)), 'group section'))
    combined = charm.combine(g[0:1], a[1:4])
    out.append((combined, [0, 1, 2, 3], 'combined section'))
    return out


@case
def ret_true_gives_the_exceptions_in_place(all_targets):
    for proxy, keys, label in all_targets:
        for period in (2, 3):
            expect_failures(proxy.bad(period, ret=True).get(), keys, period, label)
            expect_failures(proxy.bad_th(period, ret=2).get(), keys, period, label + ' (coroutine)')


@case
def awaitable_get_raises_a_failing_elements_exception(all_targets):
    for proxy, keys, label in all_targets:
        if not any(k % 2 == 1 for k in keys):
            continue   # no element fails (group section on 1 PE)
        expect_raise(lambda: proxy.bad(2, awaitable=True).get(), NameError, label)
        expect_raise(lambda: proxy.bad_th(2, awaitable=True).get(), NameError, label + ' (coroutine)')
        expect_raise(lambda: proxy.allbad(awaitable=True).get(), KeyError, label + ' all failing')


@case
def every_element_failing_gives_only_exceptions_in_order(all_targets):
    for proxy, keys, label in all_targets:
        results = proxy.allbad(ret=True).get()
        assert [type(r) for r in results] == [KeyError] * len(keys), (label, results)
        assert [r.args[0] for r in results] == keys, (label, results)


@case
def no_failure_gives_a_plain_list(all_targets):
    for proxy, keys, label in all_targets:
        period = 10 ** 6   # nobody fails
        assert proxy.bad(period, ret=True).get() == ['good %d' % k for k in keys], label
        assert proxy.bad(period, awaitable=True).get() is None, label


@case
def unpicklable_exception_arrives_as_remote_exception(all_targets):
    proxy, keys, label = all_targets[1]
    results = proxy.unpicklable(ret=True).get()
    assert len(results) == len(keys)
    for r in results:
        assert isinstance(r, RemoteException) and r.type_name.endswith('Unpicklable'), r


def main(args):
    run_cases(targets())


charm.start(main)
