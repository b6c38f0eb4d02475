# charmpy.ray: get(timeout=) raising ray.exceptions.GetTimeoutError, wait(timeout=)
# returning what is ready (as Ray does), and cancel() of a task or an actor call not
# started yet (get then raises TaskCancelledError; the call never runs). Nothing here
# depends on timing: what must not be ready waits behind a gate that only the test
# opens.
from charm4py import charm, Chare, ray

from cases import case, run_cases
from ray_gate import Gate, through


@ray.remote
def add(a, b):
    return a + b


@ray.remote
class Log:
    def __init__(self):
        self.entries = []

    def note(self, x):
        self.entries.append(x)
        return len(self.entries)

    def read(self):
        return list(self.entries)

    def blocked(self, gate):
        return gate.passage(ret=True).get()


@ray.remote
def noted(x, log):
    return ray.get(log.note.remote(x))


@case
def get_with_timeout_raises_get_timeout_error():
    gate = Chare(Gate, onPE=charm.numPes() - 1)
    ref = through.remote(gate)
    try:
        ray.get(ref, timeout=0.2)
    except ray.exceptions.GetTimeoutError as e:
        assert isinstance(e, TimeoutError)
        assert 'not ready' in str(e), str(e)
    else:
        raise AssertionError('no GetTimeoutError')
    try:
        ray.get([add.remote(1, 1), ref], timeout=0)
    except ray.exceptions.GetTimeoutError:
        pass
    else:
        raise AssertionError('no GetTimeoutError for a list')
    gate.open(41)
    assert ray.get(ref, timeout=60) == 41
    assert ray.get(add.remote(ref, 1), timeout=60) == 42


@case
def wait_with_timeout_returns_what_is_ready():
    gate = Chare(Gate, onPE=0)
    blocked = through.remote(gate)
    done = add.remote(2, 3)
    ready, not_ready = ray.wait([blocked, done], num_returns=2, timeout=0.2)
    assert ready == [done] and not_ready == [blocked], (ready, not_ready)
    ready, not_ready = ray.wait([blocked], timeout=0)
    assert ready == [] and not_ready == [blocked]
    gate.open(7)
    ready, not_ready = ray.wait([blocked, done], num_returns=2, timeout=60)
    assert ready == [blocked, done] and not_ready == []


@case
def cancel_a_task_waiting_for_its_arguments():
    gate = Chare(Gate, onPE=charm.numPes() - 1)
    log = Log.remote()
    dep = through.remote(gate)
    victim = noted.remote(dep, log)
    ray.cancel(victim)
    ready, _ = ray.wait([victim])           # cancelled: ready (with its error)
    assert ready == [victim]
    try:
        ray.get(victim)
    except ray.exceptions.TaskCancelledError as e:
        assert 'cancelled' in str(e), str(e)
    else:
        raise AssertionError('no TaskCancelledError')
    gate.open(5)
    assert ray.get(dep) == 5
    survivor = noted.remote(dep, log)
    assert ray.get(survivor) == 1           # the log's first entry: victim never ran
    charm.waitQD()
    assert ray.get(log.read.remote()) == [5]


@case
def cancel_a_queued_actor_call():
    gate = Chare(Gate, onPE=0)
    log = Log.remote()
    busy = log.blocked.remote(gate)          # the actor waits inside this call
    queued = log.note.remote('never')
    after = log.note.remote('after')
    ray.cancel(queued)
    ready, _ = ray.wait([queued])
    assert ready == [queued]
    try:
        ray.get(queued)
    except ray.exceptions.TaskCancelledError:
        pass
    else:
        raise AssertionError('no TaskCancelledError')
    gate.open('open')
    assert ray.get(busy) == 'open'
    assert ray.get(after) == 1
    assert ray.get(log.read.remote()) == ['after']


@case
def cancel_after_the_task_ran_changes_nothing():
    ref = add.remote(20, 22)
    assert ray.get(ref) == 42
    ray.cancel(ref)
    charm.waitQD()
    assert ray.get(ref) == 42


def main(args):
    ray.init()
    run_cases()


charm.start(main)
