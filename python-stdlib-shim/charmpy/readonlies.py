"""Readonly globals: `from charmpy import readonlies as ro`.

Attributes that the entry (the `main` function, or the constructor of the entry chare
class) sets on `ro` before it first suspends are visible on every PE before any chare
it created runs a method:

    def main(args):
        ro.size = int(args[1])
        ro.workers = Array(Worker, ro.size)   # Worker methods may read ro.workers
        ro.workers.start()

How (see charmpy/_startup.py): while the entry runs on PE 0, the calls it makes
(`proxy.method(...)`) are held; when it first suspends or returns, PE 0 broadcasts the
readonlies to every PE, waits until all have them, then releases the held calls in
order. Constructors of chares created by the entry see the readonlies set before the
creation call (they travel with the creation). Assignments after that phase, or on
other PEs, stay local to the PE that makes them.

Names starting with '_' are not readonlies. This module holds nothing else: its
namespace is the program's (the assignment counting is _startup.py's module type).
"""
