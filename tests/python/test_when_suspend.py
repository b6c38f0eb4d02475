# @when calls and Chare.wait conditions are re-checked when a coroutine of the same
# chare pauses, not only when an entry method returns (as in charm4py, which flushes
# a chare's wait queue when one of its threads pauses). Before, each of these hung.
from charm4py import charm, Chare, Array, Future, Reducer, coro, when

from cases import case, run_cases


class Stage(Chare):
    """One chare: a coroutine moves `phase` forward, then waits for the calls that
    the new phase releases."""

    def __init__(self):
        self.phase = 0
        self.log = []

    @when('self.phase == phase')
    def step(self, phase, reply):
        self.log.append(phase)
        reply.send(phase)

    @coro
    def run(self):
        futures = [Future() for _ in range(3)]
        for p in (3, 2, 1):                      # arrive out of order, all wait
            self.thisProxy.step(p, futures[p - 1])
        charm.sleep(0.05)                        # the calls are queued meanwhile
        assert self.log == []
        for p in (1, 2, 3):
            self.phase = p
            assert futures[p - 1].get() == p     # released while this coroutine waits
        return self.log

    @coro
    def waiter(self):
        self.wait('self.phase == 10')
        self.woken = True
        return 'woken'

    @coro
    def mover(self):
        self.woken = False
        self.phase = 10
        while not self.woken:                    # pauses: the waiter must run meanwhile
            charm.sleep(0.01)
        return 'moved'


class Cell(Chare):
    """A 1-d ring: each iteration a cell sends its value to both neighbours and, in a
    coroutine loop, waits for its two ghosts of that iteration (@when on the
    iteration number)."""

    def __init__(self, n):
        self.n = n
        self.iteration = 0
        self.ghosts = []
        self.value = float(self.thisIndex[0])

    @when('self.iteration == it')
    def ghost(self, it, value):
        self.ghosts.append(value)

    @coro
    def run(self, iterations, done):
        i = self.thisIndex[0]
        for it in range(iterations):
            self.thisProxy[(i - 1) % self.n].ghost(it, self.value)
            self.thisProxy[(i + 1) % self.n].ghost(it, self.value)
            self.wait('len(self.ghosts) == 2')
            self.value = (self.value + sum(self.ghosts)) / 3.0
            self.ghosts = []
            self.iteration += 1
        self.contribute(self.value, Reducer.sum, done)


# Both Stage cases use the one Stage chare `s`, in this order (the second moves its
# phase on from where the first left it).
@case
def when_calls_released_while_a_coroutine_of_the_chare_waits(s):
    assert s.run(ret=True).get() == [1, 2, 3]


@case
def chare_wait_released_while_another_coroutine_pauses(s):
    woken = s.waiter(ret=True)
    assert s.mover(ret=True).get() == 'moved'
    assert woken.get() == 'woken'


@case
def ring_of_coroutines_waiting_for_when_ghosts(s):
    n = 2 * charm.numPes() + 1
    cells = Array(Cell, n, args=[n])
    done = Future()
    cells.run(20, done)
    total = done.get()
    # Averaging over a ring keeps the sum: 0 + 1 + ... + n-1
    assert abs(total - n * (n - 1) / 2) < 1e-9, total


def main(args):
    run_cases(Chare(Stage, onPE=charm.numPes() - 1))


charm.start(main)
