# Readonlies set by the entry before it first suspends are on every PE before the chares
# it created run: constructors see those set before their creation, methods all of them
# (even those set after the creation and after the call was made). Also
# charm.thisProxy.updateGlobals.
import numpy as np

from charmpy import charm, Chare, Group, Array, coro
from charmpy import readonlies as ro

import readonly_helper

from cases import case, run_cases


class Worker(Chare):

    def __init__(self):
        # set before this collection was created
        assert ro.before_creation == 'before', ro.before_creation
        assert ro.table['n'] == charm.numPes()
        self.ok = True

    def check(self):
        assert self.ok
        return (ro.before_creation, ro.after_creation, float(ro.big.sum()),
                ro.workers == self.thisProxy, ro.group == ro.group,
                readonly_helper.readonly_seen())

    @coro
    def callGroup(self):
        # ro.group was set after this array was created
        return ro.group[charm.myPe()].where(ret=True).get()

    def getGlobal(self, name):
        return globals().get(name), readonly_helper.setting()


class Reporter(Chare):

    def where(self):
        return charm.myPe()

    def report(self):
        return ro.after_creation, ro.group == self.thisProxy


# The first case makes the entry's first suspension (which sends the readonlies out):
# the cases run in this order on the chares main() created.
@case
def methods_see_every_readonly_also_those_set_after_the_call(workers, n):
    results = workers.check(ret=True).get()    # first suspension: readonlies go out
    expected = ('before', 'after', float(np.arange(1000.0).sum()), True, True, 'after')
    assert results == [expected] * (2 * n + 1), results


@case
def group_created_before_a_readonly_was_set_sees_it(workers, n):
    assert ro.group.report(ret=True).get() == [('after', True)] * n


@case
def readonly_group_proxy_usable_from_the_chares(workers, n):
    pes = [workers[i].callGroup(ret=True) for i in range(2 * n + 1)]
    assert all(0 <= f.get() < n for f in pes)


@case
def update_globals_sets_module_globals_on_every_pe(workers, n):
    # updateGlobals: module globals on every PE
    charm.thisProxy.updateGlobals({'GLOBAL_X': 42}, awaitable=True).get()
    charm.thisProxy.updateGlobals({'SETTING': 'set'}, module_name='readonly_helper',
                                  awaitable=True).get()
    assert workers.getGlobal('GLOBAL_X', ret=True).get() == [(42, 'set')] * (2 * n + 1)


@case
def runtime_group_replies_in_pe_order(workers, n):
    assert charm.thisProxy.myPe(ret=True).get() == list(range(n))


def main(args):
    """Sets the readonlies and makes the calls the cases check, all before the
    entry first suspends (in the first case)."""
    n = charm.numPes()
    ro.before_creation = 'before'
    ro.table = {'n': n}
    ro.big = np.arange(1000.0)
    workers = Array(Worker, 2 * n + 1)
    ro.workers = workers
    workers.check()                      # held until the readonlies are everywhere
    ro.group = Group(Reporter)
    ro.group.report()
    ro.after_creation = 'after'          # set after the calls above were made
    run_cases(workers, n)


charm.start(main)
