# charmpy.ray, the core API: init, remote functions (refs at once, get of one and of
# a list, kwargs, num_returns), put, actors (calls in order, constructor arguments,
# methods only through .remote), wait, references as arguments (also in lists),
# nested tasks (fib), exceptions with the remote traceback, tasks spread over PEs.
import numpy as np

from charm4py import charm, Chare, Group, ray
from charmpy.ray.exceptions import RayTaskError

from cases import case, run_cases


@ray.remote
def add(a, b):
    return a + b


@ray.remote
def where(x):
    return (x, charm.myPe())


@ray.remote
def combine(x, scale=1, offset=0):
    return x * scale + offset


@ray.remote(num_returns=3)
def three(x):
    return x, x + 1, x + 2


@ray.remote
def total(values):
    return sum(values)


@ray.remote
def fib(n):
    if n < 2:
        return n
    return ray.get(fib.remote(n - 1)) + ray.get(fib.remote(n - 2))


@ray.remote
def fails(x):
    raise ValueError('task refuses %r' % (x,))


@ray.remote
def gets_a_failing_task(x):
    return ray.get(fails.remote(x))


@ray.remote
def bad_count(x):
    return x, x   # declared with num_returns=3 below


@ray.remote
class Accumulator:
    def __init__(self, start, step=1):
        self.value = start
        self.step = step
        self.log = []

    def add(self, x):
        self.value += x * self.step
        self.log.append(x)
        return self.value

    def history(self):
        return list(self.log)

    def pe(self):
        return charm.myPe()

    def boom(self):
        raise KeyError('actor says no')

    def add_all(self, xs):
        for x in xs:
            self.add(x)
        return self.value


_marks = set()


@ray.remote
def mark(i):
    _marks.add(i)
    return i


class Marks(Chare):
    def read(self):
        return sorted(_marks)


@case
def submitted_tasks_run_without_a_later_ray_call():
    # tasks with plain arguments leave in batches: when the caller waits, or (here)
    # when it gives the PE back for any other reason
    marks = Group(Marks)
    refs = [mark.remote(i) for i in range(10)]
    charm.waitQD()
    seen = sorted(i for pe_marks in marks.read(ret=True).get() for i in pe_marks)
    assert seen == list(range(10)), seen
    assert ray.get(refs) == list(range(10))


@case
def init_and_is_initialized():
    assert ray.is_initialized()
    ray.init()    # a second call does nothing
    assert ray.is_initialized()


@case
def remote_returns_a_reference_and_get_its_value():
    ref = add.remote(1, 2)
    assert isinstance(ref, ray.ObjectRef)
    assert ray.get(ref) == 3
    assert ray.get(ref) == 3   # again


@case
def get_of_a_list_keeps_its_order():
    refs = [add.remote(i, 100) for i in range(50)]
    assert ray.get(refs) == [i + 100 for i in range(50)]
    assert ray.get([]) == []


@case
def keyword_arguments_are_forwarded():
    assert ray.get(combine.remote(3, scale=10, offset=2)) == 32
    assert ray.get(combine.remote(3, offset=ray.put(5))) == 8


@case
def num_returns_gives_one_reference_per_value():
    refs = three.remote(10)
    assert isinstance(refs, list) and len(refs) == 3
    assert ray.get(refs) == [10, 11, 12]
    a, b = add.options(num_returns=1).remote(1, 1), three.options(num_returns=3).remote(0)
    assert ray.get(a) == 2 and ray.get(b) == [0, 1, 2]


@case
def num_returns_mismatch_fails_clearly():
    refs = ray.remote(num_returns=3)(bad_count).remote(1) if False else \
        bad_count.options(num_returns=3).remote(1)
    try:
        ray.get(refs[0])
    except ValueError as e:
        assert 'num_returns=3' in str(e), str(e)
    else:
        raise AssertionError('no error')


@case
def put_then_get_and_pass_to_a_task():
    a = np.arange(1000, dtype=np.float64)
    ref = ray.put(a)
    a[:] = -1     # the stored value is the one at put
    assert float(ray.get(ref).sum()) == 999 * 1000 / 2
    assert float(ray.get(add.remote(ref, 1)).sum()) == 999 * 1000 / 2 + 1000
    assert ray.get(ray.put({'k': [1, 2]})) == {'k': [1, 2]}


@case
def references_as_arguments_and_inside_lists():
    x, y = add.remote(1, 1), add.remote(2, 2)
    assert ray.get(add.remote(x, y)) == 6
    assert ray.get(total.remote([x, y, 10])) == 16
    assert ray.get(total.remote((x, ray.put(3)))) == 5
    chain = x
    for _ in range(10):
        chain = add.remote(chain, 1)
    assert ray.get(chain) == 12


@case
def the_same_reference_twice_in_one_call():
    x = fib.remote(12)                      # most likely still running: waited for
    assert ray.get([x, x]) == [144, 144]
    y = fib.remote(12)
    assert ray.get(total.remote([y, y, y])) == 432
    acc = Accumulator.remote(0)
    z = fib.remote(12)
    assert ray.get(acc.add_all.remote([z, z])) == 288


@case
def nested_tasks_compute_fib():
    assert ray.get(fib.remote(12)) == 144


@case
def tasks_spread_over_every_pe():
    pes = set(pe for _, pe in ray.get([where.remote(i) for i in range(8 * charm.numPes())]))
    assert pes == set(range(charm.numPes())), pes


@case
def task_exception_raised_by_get_with_remote_traceback():
    ref = fails.remote(7)
    try:
        ray.get(ref)
    except ValueError as e:
        assert isinstance(e, RayTaskError), type(e)
        assert isinstance(e, ray.exceptions.RayTaskError)
        assert 'task refuses 7' in str(e), str(e)
        assert 'Traceback' in e.remote_stacktrace and 'in fails' in e.remote_stacktrace
    else:
        raise AssertionError('no exception')
    # a task depending on a failed one fails with the same error
    try:
        ray.get(add.remote(ref, 1))
    except ValueError as e:
        assert 'task refuses 7' in str(e)
    else:
        raise AssertionError('no exception for the dependent task')
    assert ray.get(add.remote(1, 1)) == 2   # still usable


@case
def nested_task_exception_keeps_its_class():
    # regression: the error of a task that ray.get()s a failing task was a plain
    # RayTaskError (its run-time class did not pickle), not caught by except ValueError
    try:
        ray.get(gets_a_failing_task.remote(8))
    except ValueError as e:
        assert isinstance(e, RayTaskError), type(e)
        assert 'task refuses 8' in str(e), str(e)
    else:
        raise AssertionError('no exception')


@case
def actor_calls_run_in_order():
    acc = Accumulator.remote(100, step=2)
    refs = [acc.add.remote(i) for i in range(30)]
    expected, v = [], 100
    for i in range(30):
        v += 2 * i
        expected.append(v)
    assert ray.get(refs) == expected
    assert ray.get(acc.history.remote()) == list(range(30))


@case
def actors_take_references_and_are_placed_on_every_pe():
    actors = [Accumulator.remote(ray.put(i)) for i in range(2 * charm.numPes())]
    pes = ray.get([a.pe.remote() for a in actors])
    assert set(pes) == set(range(charm.numPes())), pes
    x = add.remote(5, 5)
    assert ray.get(actors[1].add.remote(x)) == 11
    assert ray.get(actors[0].add.remote(actors[1].add.remote(1))) == 12


@case
def actor_handles_travel_to_tasks():
    acc = Accumulator.remote(0)
    ray.get([use_actor.remote(acc, i) for i in range(5)])
    assert sorted(ray.get(acc.history.remote())) == list(range(5))


@ray.remote
def use_actor(acc, i):
    return ray.get(acc.add.remote(i))


@case
def actor_method_without_remote_is_a_clear_error():
    acc = Accumulator.remote(0)
    try:
        acc.add(1)
    except TypeError as e:
        assert '.remote()' in str(e), str(e)
    else:
        raise AssertionError('no error')
    try:
        Accumulator(0)
    except TypeError as e:
        assert 'Accumulator.remote()' in str(e), str(e)
    else:
        raise AssertionError('no error')
    try:
        acc.nosuch
    except AttributeError as e:
        assert 'nosuch' in str(e)
    else:
        raise AssertionError('no error')


@case
def actor_exception_raised_by_get_and_actor_goes_on():
    acc = Accumulator.remote(1)
    bad = acc.boom.remote()
    good = acc.add.remote(1)
    try:
        ray.get(bad)
    except KeyError as e:
        assert 'actor says no' in str(e)
        assert 'in boom' in e.remote_stacktrace
    else:
        raise AssertionError('no exception')
    assert ray.get(good) == 2


@ray.remote
class Holder:
    def __init__(self):
        self.a = np.zeros(4)
        self.d = {'w': np.zeros(3), 'n': [0]}

    def arr(self):
        return self.a

    def dct(self):
        return self.d

    def bump(self):
        self.a += 1
        self.d['w'] += 1
        self.d['n'].append(1)


@case
def actor_results_are_the_state_at_return():
    for h in [Holder.remote() for _ in range(charm.numPes())]:
        first_a, first_d = h.arr.remote(), h.dct.remote()
        ray.get(h.bump.remote())
        assert list(ray.get(first_a)) == [0.0] * 4
        d = ray.get(first_d)
        assert list(d['w']) == [0.0] * 3 and d['n'] == [0]
        assert list(ray.get(h.arr.remote())) == [1.0] * 4


@ray.remote
class Splitter:
    @ray.method(num_returns=2)
    def halves(self, x):
        return x // 2, x - x // 2

    def pair(self, x):
        return x, -x


@case
def actor_methods_with_several_results():
    s = Splitter.remote()
    a, b = s.halves.remote(7)
    assert ray.get([a, b]) == [3, 4]
    p, q = s.pair.options(num_returns=2).remote(5)
    assert ray.get(q) == -5 and ray.get(p) == 5
    assert ray.get(s.pair.remote(1)) == (1, -1)


@case
def wait_returns_ready_and_not_ready_in_order():
    refs = [add.remote(i, 0) for i in range(10)]
    ready, not_ready = ray.wait(refs, num_returns=4)
    assert len(ready) == 4 and len(not_ready) == 6
    assert set(ready) | set(not_ready) == set(refs)
    assert [r for r in refs if r in ready] == ready   # input order kept
    ready, not_ready = ray.wait(refs, num_returns=10)
    assert ready == refs and not_ready == []
    pending = list(refs)
    seen = []
    while pending:
        done, pending = ray.wait(pending)
        assert len(done) == 1
        seen.append(ray.get(done[0]))
    assert sorted(seen) == list(range(10))


@case
def references_are_hashable_dict_keys():
    refs = [add.remote(i, 0) for i in range(5)]
    table = {r: i for i, r in enumerate(refs)}
    ready, _ = ray.wait(refs, num_returns=5)
    assert sorted(table[r] for r in ready) == list(range(5))


_order = []   # this PE's record of the batch_* tasks below


@ray.remote
def batch_waiter(i):
    # waits (on a fiber) until batch_setter(i), later in the same batch, ran here
    _order.append(('waiter starts', i))
    while ('setter', i) not in _order:
        ray.get(add.remote(i, 0))
    _order.append(('waiter ends', i))
    return [e for e in _order if e[1] == i]


@ray.remote
def batch_setter(i):
    _order.append(('setter', i))
    return i


@case
def a_batched_task_that_waits_lets_the_next_tasks_of_its_batch_run():
    # the tasks of a batch share a fiber until one waits; then the rest goes on on
    # another fiber: batch_setter(i) runs while batch_waiter(i) waits on its PE (task k
    # and task k + numPes land on the same PE); an argument of -1 is a plain task too
    n = charm.numPes()
    ray.get([batch_setter.remote(-1 - i) for i in range(n)])   # both functions reach every
    ray.get([batch_waiter.remote(-1 - i) for i in range(n)])   # PE first (a new one ends a batch)
    ray.get([add.remote(0, i) for i in range(n)])
    waiters = [batch_waiter.remote(i) for i in range(n)]
    setters = [batch_setter.remote(i) for i in range(n)]
    after = [add.remote(-1, i) for i in range(n)]
    assert ray.get(setters) == list(range(n))
    assert ray.get(after) == [i - 1 for i in range(n)]
    assert ray.get(waiters) == [[('waiter starts', i), ('setter', i), ('waiter ends', i)]
                                for i in range(n)]


def main(args):
    ray.init()
    run_cases()


charm.start(main)
