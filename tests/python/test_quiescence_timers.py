# Quiescence detection after bursts of messages (waitQD returns only when every
# hop has run; startQD with a future and a proxy method), charm.sleep keeping the PE
# busy with other messages, and scheduleCallableAfter with functions, futures and
# proxy methods.
import random
import time

from charmpy import charm, Chare, Array, Future, coro

from cases import case, run_cases


class Hopper(Chare):

    def __init__(self):
        self.hops = 0

    def hop(self, remaining, seed):
        self.hops += 1
        if remaining:
            rng = random.Random(seed)
            size = self.thisProxy.dims[0]
            self.thisProxy[rng.randrange(size)].hop(remaining - 1, rng.random())
            if remaining % 10 == 0:  # fan out
                self.thisProxy[rng.randrange(size)].hop(2, seed + 1)

    def count(self):
        return self.hops

    @coro
    def nap_then_count(self, secs):
        charm.sleep(secs)          # other messages to this PE run meanwhile
        return self.hops

    def note(self, value):
        self.noted = value

    def get_noted(self):
        return getattr(self, 'noted', None)


@case
def wait_qd_returns_once_every_hop_of_a_burst_ran(hoppers, size):
    expected = 0
    for burst in range(3):
        for c in range(30):
            hoppers[c % size].hop(40, burst * 1000 + c)
        expected += 30 * (41 + 3 * 4)
        charm.waitQD()
        assert sum(hoppers.count(ret=True).get()) == expected


@case
def start_qd_sets_a_future(hoppers, size):
    done = Future()
    charm.startQD(done)
    assert done.get() is None


@case
def sleeping_pe_keeps_serving_messages(hoppers, size):
    # sleep: the sleeper's PE keeps serving messages while it naps
    napper = hoppers[size - 1].nap_then_count(0.2, ret=True)
    t0 = time.time()
    hoppers[size - 1].hop(0, 0)
    before = hoppers[size - 1].count(ret=True).get()
    assert time.time() - t0 < 0.19  # answered during the nap
    assert napper.get() == before


@case
def scheduled_function_future_and_proxy_method_fire(hoppers, size):
    # scheduled callables: a function, a future, a proxy method
    fired = []
    charm.scheduleCallableAfter(lambda x: fired.append(x), 0.02, args=['fn'])
    f = Future()
    charm.scheduleCallableAfter(f, 0.01, args=['future'])
    assert f.get() == 'future'
    charm.scheduleCallableAfter(hoppers[0].note, 0.01, args=[42])
    charm.sleep(0.1)
    charm.waitQD()
    assert fired == ['fn']
    assert hoppers[0].get_noted(ret=True).get() == 42


def main(args):
    n = charm.numPes()
    size = 3 * n + 2
    run_cases(Array(Hopper, size), size)


charm.start(main)
