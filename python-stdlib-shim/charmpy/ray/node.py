"""The node group: one element per PE (created by `ray.init()`), through which the PEs
of `charmpy.ray` talk: tasks to run, requests for values and the values, weight
returned to holders (object_ref.py), cancellations. Internal: programs use the API
in api.py.
"""
from ..chare import Chare, register
from .object_ref import FULL_WEIGHT, MY_PE, granted
from .object_store import arrived, arrived_plain, cancel, done_there, fetch, flush, grant, return_weight, returned, set_node
from .tasks import receive_function, run, run1, run_batch, send_batches


class RayNode(Chare):
    """This PE's part of charmpy.ray."""

    _charmpy_hidden_entries = ('_charmpy_ray_function', '_charmpy_ray_task', '_charmpy_ray_task1',
                               '_charmpy_ray_tasks', '_charmpy_ray_send_batches', '_charmpy_ray_values',
                               '_charmpy_ray_fetch', '_charmpy_ray_value', '_charmpy_ray_done',
                               '_charmpy_ray_decref', '_charmpy_ray_grant_request',
                               '_charmpy_ray_grant', '_charmpy_ray_cancel', '_charmpy_ray_ready')

    def __init__(self):
        set_node(self.thisProxy)

    def _charmpy_ray_ready(self):
        """ray.init() waits for this broadcast: every PE has its node."""

    def _charmpy_ray_function(self, caller, number, func, num_returns):
        receive_function(caller, number, func, num_returns)

    def _charmpy_ray_task1(self, number, uid, caller, *args):
        run1(caller, number, uid, args)
        flush()

    def _charmpy_ray_tasks(self, caller, *flat):
        run_batch(caller, flat)
        flush()

    def _charmpy_ray_send_batches(self):
        send_batches()

    def _charmpy_ray_task(self, caller, number, uids, args, kwargs):
        run(caller, number, uids, args, kwargs)
        flush()

    def _charmpy_ray_fetch(self, uid, pe):
        fetch(uid, pe)
        flush()

    def _charmpy_ray_value(self, uid, state, value):
        arrived(uid, state, value)
        flush()

    def _charmpy_ray_values(self, *flat):
        arrived_plain(flat)   # (store() batches plain values only)
        flush()

    def _charmpy_ray_done(self, uid):
        done_there(uid)
        flush()

    def _charmpy_ray_decref(self, items):
        for uid, weight in items:
            returned(uid, weight)
        flush()

    def _charmpy_ray_grant_request(self, uids, pe):
        for uid in uids:
            grant(uid)
        self.thisProxy[pe]._charmpy_ray_grant(uids, FULL_WEIGHT, MY_PE)

    def _charmpy_ray_grant(self, uids, weight, holder):
        back = [(uid, weight) for uid in uids if not granted(uid, weight)]
        if back:
            return_weight(holder, back)
        flush()

    def _charmpy_ray_cancel(self, uid):
        cancel(uid)
        flush()


try:
    register(RayNode)
except RuntimeError:   # imported after charm.start(): ray.init() says so
    RayNode = None
