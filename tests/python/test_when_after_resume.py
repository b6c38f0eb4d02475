# resumeFromSync() is an entry method like the others: the state it sets can make
# waiting @when calls and Chare.wait conditions true, and they run right after it,
# without waiting for another message to the chare. (charm4py's earlier particle
# example: a cell's neighbours resume first and send their particles for the next
# iteration, which wait on @when("self.iteration == iter"); the cell's own
# resumeFromSync advances the iteration. Before the fix nothing re-checked the
# waiting calls then, and the simulation stopped.)
from charmpy import charm, Chare, Array, Reducer, coro, when

from cases import case, run_cases

ITERATIONS = 12
SYNC_EVERY = 3


class Worker(Chare):

    def __init__(self):
        self.phase = 0
        self.seen = []

    @when('self.phase == phase')
    def in_phase(self, phase, done):
        self.seen.append(phase)
        self.contribute(phase, Reducer.sum, done)

    @coro
    def wait_for_phase(self, phase, done):
        self.wait('self.phase >= %d' % phase)
        self.contribute(self.phase, Reducer.min, done)

    def sync(self):
        self.AtSync()

    def resumeFromSync(self):
        self.phase += 1


class Cell(Chare):
    """Neighbours in a ring exchange a value each iteration; AtSync every few
    iterations, and only resumeFromSync starts the next one."""

    def __init__(self):
        self.iteration = 0
        self.received = 0
        self.total = 0

    def start(self, done):
        self.done = done
        self.send()

    def send(self):
        n = self.thisProxy.dims[0]
        i = self.thisIndex[0]
        for j in ((i - 1) % n, (i + 1) % n):
            self.thisProxy[j].ghost(self.iteration, i)

    @when('self.iteration == iteration')
    def ghost(self, iteration, value):
        self.total += value
        self.received += 1
        if self.received < 2:
            return
        self.received = 0
        if self.iteration + 1 == ITERATIONS:
            self.contribute(self.total, Reducer.sum, self.done)
        elif (self.iteration + 1) % SYNC_EVERY == 0:
            self.AtSync()   # the next iteration starts in resumeFromSync
        else:
            self.iteration += 1
            self.send()

    def resumeFromSync(self):
        self.iteration += 1
        self.send()


# The two Worker cases share `workers`, in this order: the second one's phase 2
# follows the first one's phase 1.
@case
def when_call_released_by_resume_from_sync(workers, size):
    # The calls for phase 1 arrive first and wait; resumeFromSync sets phase 1.
    done = charm.Future()
    workers.in_phase(1, done)
    workers.sync()
    assert done.get() == workers.dims[0]   # every element ran in_phase(1) once


@case
def chare_wait_released_by_resume_from_sync(workers, size):
    done = charm.Future()
    workers.wait_for_phase(2, done)
    workers.sync()
    assert done.get() == 2


@case
def ring_whose_iterations_resume_from_sync(workers, size):
    done = charm.Future()
    cells = Array(Cell, size, useAtSync=True)
    cells.start(done)
    # Each cell adds its two neighbours' indices every iteration.
    assert done.get() == ITERATIONS * 2 * sum(range(size))


def main(args):
    size = 2 * charm.numPes() + 1
    workers = Array(Worker, size, useAtSync=True)
    run_cases(workers, size)


charm.start(main)
