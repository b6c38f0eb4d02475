# With charm.options.profiling, every PE counts the calls, time and bytes of each
# entry method; charm.printStats() prints the table, also on another PE remotely.
import numpy as np
from charmpy import charm, Chare, Group, Array


class Worker(Chare):

    def work(self, data, reply_to):
        reply_to.done(float(data.sum()))

    def idle(self):
        pass


class Sink(Chare):

    def __init__(self):
        self.total = 0.0

    def done(self, value):
        self.total += value


def main(args):
    n = charm.numPes()
    workers = Array(Worker, 4 * n)
    sink = Chare(Sink, onPE=0)
    data = np.ones(1000)
    for i in range(4 * n):
        workers[i].work(data, sink)
    workers.idle(awaitable=True).get()
    charm.waitQD()
    stats = _profile()
    calls = {key: value[0] for key, value in stats.items()}
    assert calls[('Sink', 'done')] == 4 * n, stats
    sent = stats[('Sink', 'done')]
    assert sent[2] > 0  # bytes received
    table = charm._stats_table()
    assert 'Sink.done' in table and 'total (PE 0)' in table, table
    charm.printStats()
    charm.thisProxy[n - 1].printStats(awaitable=True).get()
    charm.exit(0)


def _profile():
    import _charmpy
    return _charmpy.profile()


charm.options.profiling = True
charm.start(main)
