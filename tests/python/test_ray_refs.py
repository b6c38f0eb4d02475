# charmpy.ray references in depth: one put() shared by many tasks (Ray's batch
# prediction pattern), references inside results and inside put values, a reference
# relayed down a chain of nested tasks deep enough to need more weight from its holder
# (the weighted reference counting's grants), and at the end no PE holds an object or
# a reference record once the program dropped its references. Also the error for
# ray.get outside a coroutine, and put() values read-only like Ray's.
import gc

import numpy as np

from charm4py import charm, Chare, Group, ray
from charmpy.ray import object_ref, object_store

from cases import case, run_cases
from ray_gate import Gate, through


@ray.remote
def model_sum(model, shard):
    return float(model[shard])


@ray.remote
def wrap(x):
    return [ray.put(x), ray.put(x + 1)]


@ray.remote
def unwrap(refs):
    return sum(ray.get(list(refs)))


@ray.remote
def relay(box, depth):
    # the reference travels in a dict: references only as arguments (or in list or
    # tuple arguments) are replaced by their values
    if depth == 0:
        return float(ray.get(box['ref']).sum())
    return ray.get(relay.remote(box, depth - 1))


@ray.remote
def double(x):
    return 2 * x


class Records(Chare):

    def count(self):
        gc.collect()
        return len(object_store.held), len(object_ref.slots)

    def grants(self):
        return object_store.stats['grants']

    def set_low_weight(self, low):
        """Raises the threshold below which a PE asks the holder for more weight (the
        grant path, rare with the real threshold); returns the previous one."""
        previous = object_ref.LOW_WEIGHT
        object_ref.LOW_WEIGHT = low
        return previous

    def get_outside_coroutine(self, ref):
        try:
            ray.get(ref)
        except RuntimeError as e:
            return str(e)
        return 'no error'


def no_records_left(records):
    charm.waitQD()
    gc.collect()
    counts = records.count(ret=True).get()
    assert all(c == (0, 0) for c in counts), counts


@case
def one_put_shared_by_many_tasks(records):
    model = ray.put(np.arange(100000, dtype=np.float64))
    refs = [model_sum.remote(model, i % 1000) for i in range(2000)]
    assert ray.get(refs) == [float(i % 1000) for i in range(2000)]
    del model, refs
    no_records_left(records)


@case
def references_inside_results(records):
    inner = wrap.remote(10)
    refs = ray.get(inner)
    assert all(isinstance(r, ray.ObjectRef) for r in refs)
    assert ray.get(refs) == [10, 11]
    assert ray.get(unwrap.remote(inner)) == 21      # the list of references is the value
    box = ray.put({'a': double.remote(4)})
    assert ray.get(ray.get(box)['a']) == 8
    del inner, refs, box
    no_records_left(records)


@case
def a_reference_relayed_down_deep_nested_tasks(records):
    block = ray.put(np.ones(1000))
    assert ray.get(relay.remote({'ref': block}, 40)) == 1000.0
    del block
    no_records_left(records)


@case
def weight_granted_when_low_and_objects_still_freed(records):
    previous = records.set_low_weight(object_ref.FULL_WEIGHT - 1, ret=True).get()[0]
    try:
        grants = sum(records.grants(ret=True).get())
        block = ray.put(np.ones(1000))
        assert ray.get(relay.remote({'ref': block}, 20)) == 1000.0
        refs = [model_sum.remote(block, i) for i in range(50)]
        assert ray.get(refs) == [1.0] * 50
        charm.waitQD()
        assert sum(records.grants(ret=True).get()) > grants
        del block, refs
        no_records_left(records)
    finally:
        records.set_low_weight(previous, ret=True).get()


@case
def put_values_are_read_only_copies(records):
    a = np.zeros(10)
    ref = ray.put(a)
    a[0] = 5
    b = ray.get(ref)
    assert b[0] == 0
    assert not b.flags.writeable


@case
def get_outside_a_coroutine_is_a_clear_error(records):
    gate = Chare(Gate, onPE=0)
    blocked = through.remote(gate)
    text = records[0].get_outside_coroutine(blocked, ret=True).get()
    assert 'ray.get()' in text and 'coroutine' in text, text
    gate.open(1)
    assert ray.get(blocked) == 1


def main(args):
    ray.init()
    run_cases(Group(Records))


charm.start(main)
