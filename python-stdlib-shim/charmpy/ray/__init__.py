"""`charmpy.ray` (also `charm4py.ray`): Ray's core API on charmpy's runtime.

    from charm4py import charm, ray

    @ray.remote
    def fib(n):
        if n < 2:
            return n
        return ray.get(fib.remote(n - 1)) + ray.get(fib.remote(n - 2))

    @ray.remote
    class Counter:
        def __init__(self, start):
            self.n = start
        def add(self, k):
            self.n += k
            return self.n

    def main(args):
        ray.init()
        print(ray.get(fib.remote(10)))                   # 55
        c = Counter.remote(10)
        r = c.add.remote(ray.put(5))                     # references as arguments
        print(ray.get([r, c.add.remote(1)]))             # [15, 16]: calls run in order
        ready, not_ready = ray.wait([fib.remote(5)], timeout=10)
        charm.exit()

    charm.start(main)

Names: `init`, `is_initialized`, `shutdown`, `remote`, `method`, `get`, `put`, `wait`,
`cancel`, `ObjectRef`, `exceptions` (RayError, RayTaskError, GetTimeoutError,
TaskCancelledError, ObjectLostError, RayActorError), `nodes`, `cluster_resources`.

How it works: objects live where produced (object_ref.py, object_store.py); tasks
(tasks.py) and actors (actors.py) run on fibers; reference arguments are fetched from
their holders by the PE that runs the call (resolve.py); the node group (node.py)
carries the messages; references are counted (weighted) so that an object is freed
on every PE once no reference remains.

Differences from Ray: a PE is a worker (no resources, no placement options); calling
a remote function directly runs it here (charm4py's behaviour; Ray raises); the value
`ray.get` returns on the PE holding it is the stored object itself (treat values as
immutable, as Ray does); `ray.cancel` only cancels calls that have not started;
`wait(fetch_local=False)` fetches anyway.
"""
from . import exceptions
from .api import (init, is_initialized, shutdown, remote, method, get, put, wait, cancel,
                  nodes, cluster_resources, available_resources)
from .object_ref import ObjectRef

__all__ = ['init', 'is_initialized', 'shutdown', 'remote', 'method', 'get', 'put', 'wait',
           'cancel', 'nodes', 'cluster_resources', 'available_resources', 'ObjectRef',
           'exceptions']
