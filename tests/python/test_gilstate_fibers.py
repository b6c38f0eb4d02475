# Each fiber (coroutine or threaded entry method, and main) runs Python in its own
# PyThreadState, all on one OS thread. CPython's "thread state of this OS thread"
# (PyGILState_GetThisThreadState, what PyGILState_Ensure uses) must follow the
# switches (embed/gilstate.c): otherwise extension code that calls
# PyGILState_Ensure from a fiber (Numba's dispatcher does) takes the scheduler's
# thread state for another thread's and deadlocks waiting for the GIL it holds.
# The checks run in plain, coroutine and threaded entry methods on every PE, after
# suspensions and resumptions interleaved across several fibers.
import ctypes

from charmpy import charm, Chare, Group, Future, coro, threaded

api = ctypes.pythonapi
api.PyGILState_GetThisThreadState.restype = ctypes.c_void_p
api.PyThreadState_Get.restype = ctypes.c_void_p
api.PyGILState_Ensure.restype = ctypes.c_int
api.PyGILState_Release.argtypes = [ctypes.c_int]
PyGILState_LOCKED = 0


def current_state(where):
    """The running thread state, after checking that the gilstate agrees with it."""
    state = api.PyThreadState_Get()
    gilstate = api.PyGILState_GetThisThreadState()
    assert gilstate == state, (
        f'PE {charm.myPe()} {where}: PyGILState_GetThisThreadState() = {gilstate:#x}, '
        f'but the running thread state is {state:#x}')
    return state


def ensure_and_release(where):
    """A PyGILState_Ensure/Release pair, as an extension would make: it must see that
    this thread state already holds the GIL (and must return, not deadlock)."""
    current_state(where)  # a mismatch fails here rather than hang in Ensure
    held = api.PyGILState_Ensure()
    assert held == PyGILState_LOCKED, f'PE {charm.myPe()} {where}: Ensure returned {held}'
    api.PyGILState_Release(held)
    current_state(where + ' after Release')


class Prober(Chare):

    def plain_state(self):
        return current_state('plain entry method')

    @coro
    def interleaved(self, tag, rounds, partner, gate):
        """Suspends `rounds` times, each time waiting for `partner`'s fiber to reach
        the same round, so that the fibers alternate on this PE."""
        mine = current_state(f'coroutine {tag} at start')
        ensure_and_release(f'coroutine {tag} at start')
        for r in range(rounds):
            partner.send((tag, r))             # let the partner pass round r
            other, seen = gate[r].get()        # suspend until the partner reached r
            assert seen == r, (tag, other, seen, r)
            assert current_state(f'coroutine {tag} round {r}') == mine, 'own state after resume'
            ensure_and_release(f'coroutine {tag} round {r}')
            charm.sleep(0.001)                 # one more suspension through the timers
            assert current_state(f'coroutine {tag} round {r} after sleep') == mine
        return mine

    @threaded
    def threaded_probe(self):
        mine = current_state('threaded entry method')
        ensure_and_release('threaded entry method')
        charm.sleep(0.001)
        assert current_state('threaded entry method after sleep') == mine
        return mine

    @coro
    def pair(self, rounds):
        """Two coroutines on this PE that wait for each other every round: their
        thread states are their own, distinct from each other and from the
        scheduler's (else the equality above would hold vacuously)."""
        scheduler = self.thisProxy[charm.myPe()].plain_state(ret=True).get()
        gates = {t: [Future() for _ in range(rounds)] for t in 'ab'}
        to_b, to_a = Relay(gates['b']), Relay(gates['a'])
        here = self.thisProxy[charm.myPe()]
        a = here.interleaved('a', rounds, to_b, gates['a'], ret=True)
        b = here.interleaved('b', rounds, to_a, gates['b'], ret=True)
        threaded_state = here.threaded_probe(ret=True).get()
        state_a, state_b = a.get(), b.get()
        assert len({state_a, state_b, scheduler}) == 3, (state_a, state_b, scheduler)
        assert threaded_state != scheduler
        assert self.thisProxy[charm.myPe()].plain_state(ret=True).get() == scheduler
        return True


class Relay:
    """Sends (tag, round) to the partner's gate of that round."""

    def __init__(self, gates):
        self.gates = gates

    def send(self, value):
        self.gates[value[1]].send(value)


def test_main_fiber():
    ensure_and_release('main')
    charm.sleep(0.001)
    ensure_and_release('main after sleep')


def test_fibers_on_every_pe():
    g = Group(Prober)
    assert g.pair(4, ret=True).get() == [True] * charm.numPes()


def test_plain_entry_method_sees_the_scheduler_state():
    g = Group(Prober)
    states = g.plain_state(ret=True).get()
    assert all(states), states


def main(args):
    for case in (test_main_fiber, test_fibers_on_every_pe,
                 test_plain_entry_method_sees_the_scheduler_state):
        case()
        print('ok', case.__name__)
    charm.exit(0)


charm.start(main)
