# Quiescence callbacks in every form charm4py's charm.startQD takes, each fired once
# nothing is in flight: a Future (set to None), the method of one array element, of
# one group element, of a single chare, of a whole group and of a whole array
# (broadcast to every element), of a section, and of the runtime's own group
# (charm.thisProxy.method); methods are called with no argument, like charm4py's.
# The same targets through charm.scheduleCallableAfter and as empty-reduction
# callbacks. A plain function is refused at startQD. The program ends through
# charm.startQD(charm.thisProxy[0].exit).
from charmpy import charm, Chare, Group, Array, Future, coro


class Counter(Chare):
    """Counts its quiet() calls and reports each one to the future it is armed with."""

    def __init__(self):
        self.calls = 0
        self.reporter = None

    def arm(self, reporter):
        self.reporter = reporter

    def quiet(self, *args):
        assert args == (), 'a quiescence callback takes no argument, got %r' % (args,)
        self.calls += 1
        if self.reporter is not None:
            self.reporter.send(self.where())

    def where(self):
        if isinstance(self.thisIndex, int):
            return ('group', self.thisIndex)
        return ('array', self.thisIndex)

    def chatter(self, hops, other):
        # traffic that is still in flight when startQD is called
        if hops:
            other.chatter(hops - 1, self.thisProxy[self.thisIndex])

    def calls_so_far(self):
        return self.calls

    def barrier_to(self, target):
        self.reduce(target)   # an empty reduction: target() is called with no argument


class Single(Counter):

    def where(self):
        return ('single', charm.myPe())


class Reports:
    """`count` reports of quiet() calls; get() gives them as a list."""

    def __init__(self, collections, count):
        self.future = Future(num_vals=count)
        charm.wait([c.arm(self.future, awaitable=True) for c in collections])

    def get(self):
        got = self.future.get()
        return [got] if self.future.num_vals == 1 else got


def expect(collections, count):
    """Reports of `count` quiet() calls by elements of `collections`."""
    return Reports(collections, count)


def case_future(ctx):
    f = Future()
    ctx['array'][0].chatter(20, ctx['group'][ctx['last']])
    charm.startQD(f)
    assert f.get() is None


def case_element_methods(ctx):
    a, g, last = ctx['array'], ctx['group'], ctx['last']
    f = expect([a, g], 2)
    a[0].chatter(10, g)
    charm.startQD(a[2].quiet)
    charm.startQD(g[last].quiet)
    assert sorted(f.get()) == [('array', (2,)), ('group', last)]


def case_single_chare_method(ctx):
    s = ctx['single']
    f = expect([s], 1)
    charm.startQD(s.quiet)
    assert f.get() == [('single', ctx['last'])]


def case_whole_group_method(ctx):
    g = ctx['group']
    f = expect([g], charm.numPes())
    g[0].chatter(5, ctx['array'][1])
    charm.startQD(g.quiet)
    assert sorted(f.get()) == [('group', pe) for pe in range(charm.numPes())]


def case_whole_array_method(ctx):
    a = ctx['array']
    f = expect([a], ctx['size'])
    charm.startQD(a.quiet)
    assert sorted(f.get()) == [('array', (i,)) for i in range(ctx['size'])]


def case_section_method(ctx):
    a, g = ctx['array'], ctx['group']
    f = expect([a, g], 3 + len(range(0, charm.numPes(), 2)))
    charm.startQD(a[1:4].quiet)
    charm.startQD(g[::2].quiet)
    assert sorted(f.get()) == sorted([('array', (i,)) for i in range(1, 4)] +
                                     [('group', pe) for pe in range(0, charm.numPes(), 2)])


def case_runtime_group_method(ctx):
    # charm.thisProxy.method (a broadcast to the runtime's group): fires without error
    charm.startQD(charm.thisProxy.LBTurnInstrumentOn)
    charm.waitQD()
    charm.waitQD()   # the broadcast the first quiescence sent has run


def case_plain_function_refused(ctx):
    try:
        charm.startQD(lambda: None)
    except TypeError as e:
        assert 'startQD' in str(e) or 'callback' in str(e), e
    else:
        raise AssertionError('startQD(function) was accepted')


def case_calls_counted_once(ctx):
    a, g, s = ctx['array'], ctx['group'], ctx['single']
    charm.waitQD()
    calls = a.calls_so_far(ret=True).get()
    # array: [2] element once, whole array once, section [1:4] once
    assert calls == [1 + (i == 2) + (1 <= i < 4) for i in range(ctx['size'])], calls
    calls = g.calls_so_far(ret=True).get()
    assert calls == [1 + (pe == ctx['last']) + (pe % 2 == 0) for pe in range(charm.numPes())], calls
    assert s.calls_so_far(ret=True).get() == 1


def case_scheduled_callables(ctx):
    a, g, s = ctx['array'], ctx['group'], ctx['single']
    f = expect([a, g, s], ctx['size'] + charm.numPes() + 1 + 2)
    charm.scheduleCallableAfter(a.quiet, 0.01)
    charm.scheduleCallableAfter(g.quiet, 0.01)
    charm.scheduleCallableAfter(s.quiet, 0.01, args=[])
    charm.scheduleCallableAfter(a[0:2].quiet, 0.01)
    done = f.get()
    assert sorted(done) == sorted([('array', (i,)) for i in range(ctx['size'])] +
                                  [('group', pe) for pe in range(charm.numPes())] +
                                  [('single', ctx['last'])] + [('array', (0,)), ('array', (1,))])
    t = Future()
    charm.scheduleCallableAfter(t, 0.01, args=['late'])
    assert t.get() == 'late'


def case_empty_reduction_targets(ctx):
    a, g, s = ctx['array'], ctx['group'], ctx['single']
    f = expect([a, g, s], ctx['size'] + charm.numPes() + 1 + 1)
    g.barrier_to(a.quiet)        # whole array
    a.barrier_to(g.quiet)        # whole group
    g.barrier_to(s.quiet)        # single chare
    a.barrier_to(g[0].quiet)     # one element
    done = f.get()
    assert sorted(done) == sorted([('array', (i,)) for i in range(ctx['size'])] +
                                  [('group', pe) for pe in range(charm.numPes())] +
                                  [('single', ctx['last'])] + [('group', 0)])


CASES = [case_future, case_element_methods, case_single_chare_method, case_whole_group_method,
         case_whole_array_method, case_section_method, case_runtime_group_method,
         case_plain_function_refused, case_calls_counted_once, case_scheduled_callables,
         case_empty_reduction_targets]


def main(args):
    n = charm.numPes()
    size = 2 * n + 3
    ctx = {'size': size, 'last': n - 1,
           'array': Array(Counter, size), 'group': Group(Counter),
           'single': Chare(Single, onPE=n - 1)}
    charm.awaitCreation(ctx['array'], ctx['group'], ctx['single'])
    for case in CASES:
        case(ctx)
        print('ok', case.__name__, flush=True)
    # the last form: the runtime's exit as the quiescence callback ends the program (0)
    ctx['array'][0].chatter(20, ctx['group'][ctx['last']])
    charm.startQD(charm.thisProxy[0].exit)


charm.start(main)
