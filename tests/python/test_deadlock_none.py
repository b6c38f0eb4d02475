# No false deadlock report (issue 14): coroutines that wait while a timer is pending
# (charm.sleep, charm.scheduleCallableAfter), while a pool job computes for seconds,
# or for quiescence (charm.waitQD) are not deadlocked: the program completes.
import time
from charmpy import charm, Chare, Group, Future, coro

from cases import case, run_cases


def busy(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass
    return seconds


class Worker(Chare):

    def __init__(self):
        self.pings = 0

    def ping(self, hops):
        self.pings += 1
        if hops:
            self.thisProxy[(charm.myPe() + 1) % charm.numPes()].ping(hops - 1)

    @coro
    def nap(self, seconds):
        charm.sleep(seconds)  # nothing else happens meanwhile
        return charm.myPe()

    def count(self):
        return self.pings


@case
def no_deadlock_reported_sleep_while_nothing_happens():
    start = time.time()
    charm.sleep(3)
    assert time.time() - start >= 2.9


@case
def no_deadlock_reported_callable_after_three_seconds():
    f = Future()
    charm.scheduleCallableAfter(f, 3, [42])
    assert f.get() == 42


@case
def no_deadlock_reported_coroutines_sleeping_on_every_pe():
    workers = Group(Worker)
    assert workers.nap(3, ret=True).get() == list(range(charm.numPes()))


@case
def no_deadlock_reported_pool_job_running_four_seconds():
    assert charm.pool.map(busy, [4]) == [4]


@case
def no_deadlock_reported_wait_for_quiescence():
    workers = Group(Worker)
    charm.awaitCreation(workers)
    workers[0].ping(50)
    charm.waitQD()
    assert sum(workers.count(ret=True).get()) == 51


def main(args):
    run_cases()


charm.start(main)
