# Doc pages: reductions-api.rst / reducer-api.rst ("Reductions", "Reducers") and the
# tutorial's "Reductions 101". Behaviours asserted:
#  - Reducer.max/min/sum/product on numbers, and element-wise ("pairwise") on lists and
#    NumPy arrays; logical_and/or/xor on bools and on arrays of bools;
#  - Reducer.gather gives the list of contributions sorted by the contributors' index;
#  - Reducer.addReducer(func, pre, post): func gets the list of contributions;
#    pre(data, contributor) runs on each contribution, post(result) once at the end;
#    the reducer is then Reducer.<func name>;
#  - a chare can start several reductions at once (same order everywhere);
#  - contribute(data, reducer, target) (older spelling) and contribute(None, None,
#    future) (empty reduction) work too.
import numpy as np

from charmpy import charm, Chare, Array, Group, Future, Reducer


def concat_sorted(contributions):
    return sorted(x for part in contributions for x in part)


def tag_with_index(data, contributor):
    return [(contributor.thisIndex[0], data)]


def count_entries(result):
    return ('count', len(result))


Reducer.addReducer(concat_sorted, pre=tag_with_index, post=count_entries)


class Worker(Chare):

    def run(self, futures):
        i = self.thisIndex[0]
        (f_max, f_min, f_sum, f_prod, f_vmax, f_vsum, f_np, f_and, f_or, f_xor,
         f_vand, f_gather, f_custom, f_old, f_empty) = futures
        self.reduce(f_max, i, Reducer.max)
        self.reduce(f_min, i - 3, Reducer.min)
        self.reduce(f_sum, float(i), Reducer.sum)
        self.reduce(f_prod, i + 1, Reducer.product)
        self.reduce(f_vmax, [i, -i, 5], Reducer.max)
        self.reduce(f_vsum, [1, i], Reducer.sum)
        self.reduce(f_np, np.array([0, 1, 2]), Reducer.sum)
        self.reduce(f_and, i != 1, Reducer.logical_and)
        self.reduce(f_or, i == 1, Reducer.logical_or)
        self.reduce(f_xor, i < 3, Reducer.logical_xor)
        self.reduce(f_vand, np.array([True, i % 2 == 0]), Reducer.logical_and)
        self.reduce(f_gather, 'e%d' % i, Reducer.gather)
        self.reduce(f_custom, i * 10, Reducer.concat_sorted)
        self.contribute(i, Reducer.sum, f_old)
        self.contribute(None, None, f_empty)


def main(args):
    n = charm.numPes()
    size = 2 * n + 2
    workers = Array(Worker, size)
    futures = [Future() for _ in range(15)]
    workers.run(futures)
    r = [f.get() for f in futures]
    idx = range(size)
    assert r[0] == size - 1
    assert r[1] == -3
    assert r[2] == float(sum(idx)) and isinstance(r[2], float)
    assert r[3] == int(np.prod([i + 1 for i in idx], dtype=object))
    assert list(r[4]) == [size - 1, 0, 5], r[4]
    assert list(r[5]) == [size, sum(idx)], r[5]
    assert isinstance(r[6], np.ndarray) and list(r[6]) == [0, size, 2 * size], r[6]
    assert r[7] is False or r[7] == False  # noqa: E712
    assert r[8] == True  # noqa: E712
    assert r[9] == (3 % 2 == 1)   # three contributors are True
    assert list(r[10]) == [True, False], r[10]
    assert r[11] == ['e%d' % i for i in idx], r[11]
    assert r[12] == ('count', size), r[12]
    assert r[13] == sum(idx)
    assert r[14] is None

    print('docs_reductions: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
