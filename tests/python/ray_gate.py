"""A gate for the charmpy.ray tests: a task that must not finish yet waits behind it
(`through.remote(gate)`) until the test opens it, so nothing depends on timing."""
from charm4py import charm, coro, Chare, ray


class Gate(Chare):
    """Callers of passage() wait until open() is called."""

    def __init__(self):
        self.opened = charm.Future()

    @coro
    def passage(self):
        return self.opened.get()

    def open(self, value):
        self.opened.send(value)


@ray.remote
def through(gate):
    return gate.passage(ret=True).get()
