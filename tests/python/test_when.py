# @when: calls whose condition is false wait and run, in arrival order, once the
# chare's state makes it true. A stencil-like ring where neighbours run ahead by
# an iteration (their ghosts for iteration k+1 arrive before this element finished
# k), conditions over arguments only, and ret=True through a waiting call.
from charmpy import charm, Chare, Array, when, coro

from cases import case, run_cases

ITERATIONS = 30


class Cell(Chare):

    def __init__(self):
        self.bumps = 0
        self.iteration = 0
        self.received = 0
        self.value = float(self.thisIndex[0])
        self.history = []
        self.log = []

    def start(self, done):
        self.done = done
        self.send_ghosts()

    def send_ghosts(self):
        n = self.thisProxy.dims[0]
        i = self.thisIndex[0]
        for j in ((i - 1) % n, (i + 1) % n):
            self.thisProxy[j].ghost(self.iteration, self.value)

    @when('self.iteration == iteration')
    def ghost(self, iteration, value):
        assert iteration == self.iteration
        self.received += 1
        self.value += value
        if self.received == 2:
            self.history.append(self.iteration)
            self.received = 0
            self.iteration += 1
            if self.iteration == ITERATIONS:
                self.done.send(self.history)
            else:
                self.send_ghosts()

    @when('stamp == len(self.log)')
    def ordered(self, stamp):
        self.log.append(stamp)
        return stamp * 10

    def get_log(self):
        return self.log

    @coro
    def wait_for_bumps(self, n):
        self.wait('self.bumps >= %d' % n)   # Chare.wait: suspends this coroutine only
        return self.bumps

    def bump(self):
        self.bumps = getattr(self, 'bumps', 0) + 1


@case
def ring_neighbours_running_ahead_wait_for_their_iteration(cells, size):
    dones = [charm.Future() for _ in range(size)]
    for i in range(size):
        cells[i].start(dones[i])
    for f in dones:
        assert f.get() == list(range(ITERATIONS))


@case
def calls_sent_in_reverse_run_in_stamp_order_with_ret_values(cells, size):
    # Calls sent in reverse order run in stamp order; every ret future gets its value.
    futures = [cells[0].ordered(s, ret=True) for s in reversed(range(20))]
    assert [f.get() for f in futures] == [s * 10 for s in reversed(range(20))]
    assert cells[0].get_log(ret=True).get() == list(range(20))


@case
def chare_wait_suspends_the_coroutine_until_its_condition(cells, size):
    waiter = cells[size - 1].wait_for_bumps(5, ret=True)
    for _ in range(5):
        cells[size - 1].bump()
    assert waiter.get() == 5


def main(args):
    n = charm.numPes()
    size = 2 * n + 1
    cells = Array(Cell, size)
    run_cases(cells, size)


charm.start(main)
