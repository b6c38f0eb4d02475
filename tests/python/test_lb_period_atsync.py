# +LBPeriod with AtSync arrays, as in Charm++: the shortest time between two
# balancing steps of an array. Run with a long period and RotateLB (every step moves
# every element to the next PE): of 20 quick AtSync rounds only the first balances,
# the others resume at once, so each element moves exactly once (with 2+ PEs).
# Before, every AtSync round was a step (20 moves each), and periodic steps also took
# AtSync arrays and reset their measured loads. Plain runs (no +LBPeriod) only check
# that every round completes.
import _charmpy
from charmpy import charm, Chare, Array, Future, Reducer

ROUNDS = 20
FLAGS = _charmpy.runtime_flags()
PERIODIC = 'LBPeriod' in FLAGS


class Worker(Chare):

    def __init__(self, done):
        self.done = done
        self.round = 0
        self.moves = 0
        self.last_pe = charm.myPe()

    def go(self):
        self.round += 1
        self.AtSync()

    def resumeFromSync(self):
        if charm.myPe() != self.last_pe:
            self.moves += 1
            self.last_pe = charm.myPe()
        if self.round < ROUNDS:
            self.thisProxy[self.thisIndex].go()
        else:
            self.contribute(self.moves, Reducer.gather, self.done)


def main(args):
    n = charm.numPes()
    done = Future()
    workers = Array(Worker, 2 * n, args=[done], useAtSync=True)
    workers.go()
    moves = done.get()
    if PERIODIC and n > 1:
        assert moves == [1] * (2 * n), moves
    print('test_lb_period_atsync: ok, moves %s' % moves)
    charm.exit(0)


charm.start(main)
