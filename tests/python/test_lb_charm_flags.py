# Charm++'s load-balancing flags that charm4py programs append to sys.argv before
# charm.start: a Charm++ balancer name (RandCentLB, Charm++'s name of RandomLB) and
# +LBCommOff / +LBObjOnly / +LBSyncResume / +LBTestPESpeed / +LBDebug (no level).
# They are taken out of sys.argv, recorded, and an AtSync step runs with them:
# elements move (on more than one PE), keep their state, and resume once each.
import sys

import _charmpy
from charmpy import charm, Chare, Array, Reducer, Future

from cases import case, run_cases

sys.argv += ['+balancer', 'RandCentLB', '+LBCommOff', '+LBObjOnly', '+LBSyncResume',
             '+LBTestPESpeed', 'keep-me', '+LBDebug']

PER_PE = 8


class Worker(Chare):

    def __init__(self):
        self.value = self.thisIndex[0] * 10
        self.resumed = 0

    def work(self):
        self.thisProxy[(self.thisIndex[0] + 1) % self.thisProxy.dims[0]].noop()

    def noop(self):
        pass

    def sync(self, f):
        self.resume_future = f
        self.AtSync()

    def resumeFromSync(self):
        self.resumed += 1
        self.contribute(1, Reducer.sum, self.resume_future)

    def where(self):
        return charm.myPe(), self.value == self.thisIndex[0] * 10, self.resumed


@case
def charm_lb_flags_are_taken_out_of_argv_and_recorded(args):
    assert 'keep-me' in args and not [a for a in args[1:] if a.startswith('+')], args
    flags = _charmpy.runtime_flags()
    for name in ('LBCommOff', 'LBObjOnly', 'LBSyncResume', 'LBTestPESpeed', 'LBDebug'):
        assert name in flags, (name, flags)
    assert flags['balancer'] == 'RandCentLB', flags


@case
def at_sync_step_under_these_flags_moves_elements_keeping_state(args):
    n = charm.numPes()
    a = Array(Worker, PER_PE * n, useAtSync=True)
    charm.awaitCreation(a)
    before = a.where(ret=True).get()
    a.work(awaitable=True).get()
    f = Future()
    a.sync(f)
    assert f.get() == PER_PE * n, 'resumeFromSync once per element'
    after = a.where(ret=True).get()
    assert all(ok and resumed == 1 for _, ok, resumed in after), after
    moved = sum(1 for b, c in zip(before, after) if b[0] != c[0])
    if n > 1:
        assert moved > 0, 'RandCentLB (RandomLB) moved nothing'
    print('Charm++ LB flags: %d of %d elements moved on %d PEs' % (moved, len(after), n))


def main(args):
    run_cases(args)


charm.start(main)
