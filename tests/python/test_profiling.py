# With charm.options.profiling, every PE counts the calls, time and bytes of each
# entry method; charm.printStats() prints the table, also on another PE remotely.
import numpy as np
from charmpy import charm, Chare, Group, Array

from cases import case, run_cases


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


@case
def profile_counts_calls_and_bytes_of_each_entry_method(stats):
    n = charm.numPes()
    calls = {key: value[0] for key, value in stats.items()}
    assert calls[('Sink', 'done')] == 4 * n, stats
    sent = stats[('Sink', 'done')]
    assert sent[2] > 0  # bytes received


@case
def stats_table_names_entry_methods_and_the_pe_total(stats):
    table = charm._stats_table()
    assert 'Sink.done' in table and 'total (PE 0)' in table, table


@case
def print_stats_here_and_on_another_pe(stats):
    n = charm.numPes()
    charm.printStats()
    charm.thisProxy[n - 1].printStats(awaitable=True).get()


def main(args):
    """Runs the traffic the cases read the profile of."""
    n = charm.numPes()
    workers = Array(Worker, 4 * n)
    sink = Chare(Sink, onPE=0)
    data = np.ones(1000)
    for i in range(4 * n):
        workers[i].work(data, sink)
    workers.idle(awaitable=True).get()
    charm.waitQD()
    run_cases(_profile())


def _profile():
    import _charmpy
    return _charmpy.profile()


charm.options.profiling = True
charm.start(main)
