"""Ray-style actors and tasks (charmpy.ray, i.e. charm4py.ray): the shape of
charm4py's examples/ray/simple.py, with every value checked.

- Four actors (`Adder.remote(i)`), placed on the PEs by the runtime, and a task
  (`add_task`) that calls another task from inside itself.
- Chained futures: the reference returned by one call is an argument of the next
  (`d = adders[1].add.remote(3, c)`); the value travels from the PE that produced
  it straight to the PE that needs it, never through the caller.
- `ray.put` of two NumPy arrays, whose references are passed to an actor.
- A `ray.wait` loop that takes the results as they complete.
- One actor's calls run in the order they were made; references inside a list are
  resolved before the call; actor handles can be passed to tasks; an exception in
  an actor method is raised by `ray.get`; calling a method without `.remote` is an
  error at the call site.

    mpirun -n 2 build/bin/charmpy-run apps/ray/actors.py
"""
import numpy as np
from charm4py import charm, ray


@ray.remote
def add_task(a, b):
    """a + b, where a comes back from a nested task (0 + a): a task may call tasks
    and wait for them; the nested one may run on any PE."""
    if a != 0:
        a = ray.get(add_task.remote(0, a))
    return a + b


@ray.remote
def total(values):
    """Takes a list: the references inside it arrive as their values."""
    return sum(values)


@ray.remote
def ask_actor(adder, x):
    """An actor handle passed to a task: the task calls the actor itself."""
    return ray.get(adder.add.remote(x, 1))


@ray.remote
class Adder(object):

    def __init__(self, index):
        self.index = index
        self.log = []
        print('Adder %d created on PE %d' % (index, charm.myPe()))

    def add(self, a, b):
        return a + b

    def append(self, x):
        """Records x; returns the log so far, which shows the order of the calls."""
        self.log.append(x)
        return list(self.log)

    def where(self):
        return charm.myPe()

    def divide(self, a, b):
        return a / b


def check_chain(adders):
    """simple.py's graph of calls, refs feeding refs, taken with a wait loop."""
    obj1, obj2 = np.arange(100), np.arange(100) * 10
    a = ray.put(obj1)
    b = ray.put(obj2)
    obj1[:] = -1   # put copied the array: the object store keeps the values of the call
    c = adders[0].add.remote(1, 2)        # 3
    d = adders[1].add.remote(3, c)        # 6
    e = adders[2].add.remote(2, d)        # 8
    f = adders[3].add.remote(c, 4)        # 7
    g = adders[3].add.remote(a, b)        # arange(100) * 11
    h = add_task.remote(e, f)             # 15, with a nested task
    expected = {c: 3, d: 6, e: 8, f: 7, h: 15}
    names = {c: 'c', d: 'd', e: 'e', f: 'f', g: 'g', h: 'h'}
    not_ready = [c, d, e, f, g, h]
    order = []
    while len(not_ready) > 0:
        ready, not_ready = ray.wait(not_ready)
        assert len(ready) == 1, ready
        value = ray.get(ready)[0]
        ref = ready[0]
        order.append(names[ref])
        if names[ref] == 'g':
            assert np.array_equal(value, np.arange(100) * 11), value
        else:
            assert value == expected[ref], (names[ref], value, expected[ref])
    print('wait loop: results came in the order %s; all values correct' % ' '.join(order))
    assert sorted(order) == ['c', 'd', 'e', 'f', 'g', 'h'], order
    # Taking the same references again gives the same values (they stay in the store
    # while referenced).
    assert ray.get([c, d, e, f, h]) == [3, 6, 8, 7, 15]
    assert np.array_equal(ray.get(a), np.arange(100)), 'ray.put did not copy its argument'


def check_actor_order(adders):
    """Calls on one actor run in the order they were made, even when they are
    made without waiting."""
    refs = [adders[1].append.remote(i) for i in range(200)]
    logs = ray.get(refs)
    for i, log in enumerate(logs):
        assert log == list(range(i + 1)), (i, log[-5:])
    print('actor order: 200 calls on one actor ran in call order')


def check_lists_and_errors(adders):
    parts = [adders[i].add.remote(i, i) for i in range(4)]    # 0, 2, 4, 6
    assert ray.get(total.remote(parts)) == 12
    assert ray.get(total.remote([parts[3], 100, parts[1]])) == 108
    print('references inside a list argument: resolved before the task ran')
    assert ray.get([ask_actor.remote(adders[i], 10 * i) for i in range(4)]) == [1, 11, 21, 31]
    print('actor handles passed to tasks: the tasks called the actors')
    bad = adders[2].divide.remote(1, 0)
    try:
        ray.get(bad)
    except ZeroDivisionError as e:
        print('an exception in an actor method is raised by ray.get: %r' % e)
    else:
        raise AssertionError('ray.get of a failed call returned')
    # The actor survives its method's exception.
    assert ray.get(adders[2].divide.remote(1, 4)) == 0.25
    try:
        adders[0].add(1, 2)
    except Exception as e:   # charm4py raises RuntimeError here
        assert '.remote' in str(e), e
        print('calling an actor method without .remote: %s: %s' % (type(e).__name__, e))
    else:
        raise AssertionError('calling an actor method without .remote did not fail')


def main(args):
    ray.init()
    assert ray.is_initialized()
    adders = [Adder.remote(i) for i in range(4)]
    pes = ray.get([adder.where.remote() for adder in adders])
    print('%d PEs; the 4 actors live on PEs %s' % (charm.numPes(), pes))
    assert all(0 <= pe < charm.numPes() for pe in pes)
    check_chain(adders)
    check_actor_order(adders)
    check_lists_and_errors(adders)
    print('actors: all checks passed')
    charm.exit()


charm.start(main)
