# charmpy.ray keeps objects where they were produced and sends a value only to the PE
# that needs it, straight from its holder: a 1 MiB result passed by reference from
# one actor (its holder) to another never reaches the caller's PE, which only passes
# the reference; the consumer's PE receives it exactly once for several calls there
# while it keeps a reference; the holder serves it once per PE that asked.
import numpy as np

from charm4py import charm, Chare, Group, ray
from charmpy.ray import object_store

from cases import case, run_cases

MIB = 1 << 20


@ray.remote
class Worker:
    def __init__(self):
        self.pe = charm.myPe()

    def where(self):
        return self.pe

    def produce(self, value):
        return np.full(MIB // 8, float(value))

    def hold(self, box):
        self.kept = box['ref']   # keeps a reference on this PE (so the value stays)

    def release(self):
        self.kept = None

    def consume(self, block, more=None):
        extra = sum(float(b[0]) for b in more) if more else 0.0
        return float(block[0]) + extra, charm.myPe()


class Probe(Chare):

    def stats(self):
        return dict(object_store.stats)


def all_stats(probes):
    return probes.stats(ret=True).get()


def placed_workers():
    """One worker per PE (actors are placed round robin from PE 0)."""
    workers = [Worker.remote() for _ in range(charm.numPes())]
    pes = ray.get([w.where.remote() for w in workers])
    assert pes == list(range(charm.numPes())), pes
    return workers


@case
def reference_argument_travels_from_its_holder_not_through_the_caller(probes):
    n = charm.numPes()
    workers = placed_workers()
    p = 1 % n                       # the holder
    q = 2 if n >= 3 else p          # the consumer (on 2 PEs: the holder itself)
    before = all_stats(probes)
    block = workers[p].produce.remote(7)
    result = workers[q].consume.remote(block)
    total, pe = ray.get(result)
    assert (total, pe) == (7.0, q)
    after = all_stats(probes)
    delta = [after[k]['large_values_in'] - before[k]['large_values_in'] for k in range(n)]
    if p != 0:
        assert delta[0] == 0, delta          # the caller never received the block
    expected = [0] * n
    if q != p:
        expected[q] = 1
    assert delta == expected, (delta, expected)


@case
def a_value_reaches_a_pe_once_for_several_uses(probes):
    n = charm.numPes()
    workers = placed_workers()
    p, q = 1 % n, (n - 1)
    block = workers[p].produce.remote(3)
    before = all_stats(probes)
    workers[q].hold.remote({'ref': block})   # calls run in order: held before the uses
    results = [workers[q].consume.remote(block, [block, block]) for _ in range(5)]
    assert ray.get(results) == [(9.0, q)] * 5
    ray.get(workers[q].release.remote())
    after = all_stats(probes)
    delta = [after[k]['large_values_in'] - before[k]['large_values_in'] for k in range(n)]
    served = after[p]['values_served'] - before[p]['values_served']
    if q != p:
        assert delta[q] == 1, delta
        assert served >= 1
    else:
        assert delta == [0] * n, delta


@case
def task_results_travel_only_to_the_tasks_that_take_them(probes):
    n = charm.numPes()
    before = all_stats(probes)
    blocks = [make_block.remote(i) for i in range(3 * n + 1)]   # + 1: sums run elsewhere
    sums = [block_sum.remote(b) for b in blocks]
    assert ray.get(sums) == [float(i) * (MIB // 8) for i in range(3 * n + 1)]
    after = all_stats(probes)
    delta = [after[k]['large_values_in'] - before[k]['large_values_in'] for k in range(n)]
    expected = [0] * n
    for b, s in zip(blocks, sums):      # a reference names its holder: the PE that ran it
        if b.holder != s.holder:
            expected[s.holder] += 1
    assert delta == expected, (delta, expected)
    assert n == 1 or sum(expected) > 0


@ray.remote
def make_block(i):
    return np.full(MIB // 8, float(i))


@ray.remote
def block_sum(block):
    return float(block.sum())


def main(args):
    ray.init()
    probes = Group(Probe)
    run_cases(probes)


charm.start(main)
