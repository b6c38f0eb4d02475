# The migration cost check of load balancing (lb/migration_gate.h): a balancing
# step moves objects only when the max PE load it saves exceeds the time to move
# their state. Two arrays of 4 elements on 2 PEs (0 and 1 on PE 0, 2 and 3 on PE 1),
# GreedyLB; elements 0 and 1 work 10 ms per iteration, the others nothing, so
# GreedyLB puts 0 and 1 on different PEs: one of them must move, saving ~20 ms.
#   small: each element holds 4 KB: the move costs microseconds and happens;
#   big:   each element holds 64 MiB: the move costs ~67 ms (64 MiB sent by PE 0
#          and received by PE 1 at the default 1 GB/s: the first step moved too
#          little to measure a bandwidth) for a gain bounded by the ~20 ms of work
#          of the period, so nothing moves. With `--no-check` (run with
#          +LBNoMigrationCostCheck) it moves like the small one.
# Placement is what is checked (charm.myPe() in each element), never timings: the
# gains are bounded by the work done, far below the costs.
import sys

import numpy as np

from charmpy import charm, Chare, Array, Future, Reducer

from busy import spin
from cases import case, run_cases

SMALL = 512            # float64s: 4 KB
BIG = 8 * 1024 * 1024  # float64s: 64 MiB


class Block(Chare):

    def __init__(self, size):
        self.data = np.full(size, float(self.thisIndex[0]))

    def work(self):
        if self.thisIndex[0] < 2:
            spin(0.01)

    def sync(self, f):
        self.resume_future = f
        self.AtSync()

    def resumeFromSync(self):
        self.contribute(1, Reducer.sum, self.resume_future)

    def where(self):
        return (charm.myPe(), self.data.size, float(self.data[0]), float(self.data[-1]))


def balance(size):
    """Where the elements of a new array of `size` float64s each are before and after a step."""
    a = Array(Block, 4, args=[size], useAtSync=True)
    charm.awaitCreation(a)
    before = a.where(ret=True).get()
    assert [w[0] for w in before] == [0, 0, 1, 1], before
    for _ in range(2):
        a.work(awaitable=True).get()
    f = Future()
    a.sync(f)
    assert f.get() == 4, 'resumeFromSync once per element'
    after = a.where(ret=True).get()
    assert all(w[1:] == (size, float(i), float(i)) for i, w in enumerate(after)), ('state lost', after)
    return before, after


@case
def a_big_gain_moves_the_same_gain_for_a_big_state_does_not(check):
    before, after = balance(SMALL)
    assert after[0][0] != after[1][0], ('small states: elements 0 and 1 should be split', after)
    before, after = balance(BIG)
    moved = sum(1 for b, w in zip(before, after) if b[0] != w[0])
    if check:
        assert moved == 0, ('64 MiB moved for a ~20 ms gain', after)
    else:
        assert after[0][0] != after[1][0], ('+LBNoMigrationCostCheck: GreedyLB balances anyway', after)
    print('migration cost check (%s) ok: %d of the big elements moved' % ('on' if check else 'off', moved),
          flush=True)


def main(args):
    if charm.numPes() != 2:
        print('this test runs on 2 PEs')
        charm.exit(0)
        return
    run_cases('--no-check' not in args)


charm.start(main)
