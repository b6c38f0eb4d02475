# A charm4py ray program as charm4py's examples/ray/simple.py writes it (written anew
# for this test, its logic kept): `from charm4py import ... ray`, ray.init() in main,
# an actor class whose constructor reads self.thisIndex and charm.myPe(), a task that
# starts a nested task and waits for it, put of NumPy arrays, references chained
# through actor calls and a task, a ray.wait loop, and exit() to end. The values
# fetched are checked against what simple.py computes.
from charm4py import charm, coro, Chare, Array, ray  # noqa: F401  (simple.py's imports)
import charm4py.ray
import numpy as np

assert charm4py.ray is ray


@ray.remote
def add_task(a, b):
    charm.sleep(0.01)
    if a != -1:
        res = add_task.remote(-1, a)
        res = ray.get(res)
    return a + b


@ray.remote
class Compute(object):
    def __init__(self, arg):
        print('Hello from Compute instance in processor', charm.myPe(), 'index', self.thisIndex, arg)
        self.arg = arg

    def add(self, a, b):
        return a + b


def main(args):
    ray.init()
    arr = [Compute.remote(i) for i in range(4)]
    obj1 = np.arange(100)
    obj2 = np.arange(100)
    a = ray.put(obj1)
    b = ray.put(obj2)
    c = arr[0].add.remote(1, 2)
    d = arr[1].add.remote(3, c)
    e = arr[2].add.remote(2, d)
    f = arr[3].add.remote(c, 4)
    g = arr[3].add.remote(a, b)
    h = add_task.remote(e, f)

    expected = {c: 3, d: 6, e: 8, f: 7, h: 15}
    not_ready = [c, d, e, f, g, h]
    fetched = 0
    while len(not_ready) > 0:
        ready, not_ready = ray.wait(not_ready)
        values = ray.get(ready)
        print('Fetched value: ', values)
        assert len(ready) == 1
        if ready[0] == g:
            assert (values[0] == 2 * np.arange(100)).all()
        else:
            assert values[0] == expected[ready[0]], (values, expected[ready[0]])
        fetched += 1
    assert fetched == 6
    print('test_ray_charm4py_simple: ok')
    exit()


charm.start(main)
