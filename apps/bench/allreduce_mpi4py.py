"""mpi4py reference for allreduce.py: comm.allreduce of a float (pickled) and
comm.Allreduce of a 1 MiB float64 array (buffers), one rank each; and, like for
like with charmpy's array of 8 elements per PE, 8 local values per rank summed
with NumPy before the Allreduce/allreduce ("8x" cases).
Run: mpirun -n 2 python3 allreduce_mpi4py.py [--iters-scale F]; ends with one JSON
line {"bench": "allreduce-mpi4py", "us": {"float": ..., "1MiB": ..., "8xfloat": ..., "8x1MiB": ...}}."""
import json
import sys
import time

import numpy as np
from mpi4py import MPI


def main():
    comm = MPI.COMM_WORLD
    scale = float(sys.argv[sys.argv.index('--iters-scale') + 1]) if '--iters-scale' in sys.argv else 1.0
    results = {}
    n = max(10, int(2000 * scale))
    for _ in range(n // 10):
        comm.allreduce(1.5)
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(n):
        comm.allreduce(1.5)
    results['float'] = (time.perf_counter() - t0) / n * 1e6
    big, out = np.ones(1 << 17), np.empty(1 << 17)
    n = max(5, int(100 * scale))
    for _ in range(max(2, n // 10)):
        comm.Allreduce(big, out)
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(n):
        comm.Allreduce(big, out)
    results['1MiB'] = (time.perf_counter() - t0) / n * 1e6

    # Like for like with 8 chare-array elements per PE: 8 contributions per rank.
    values = [1.5 + i for i in range(8)]
    n = max(10, int(2000 * scale))
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(n):
        comm.allreduce(sum(values))
    results['8xfloat'] = (time.perf_counter() - t0) / n * 1e6
    arrays = [np.full(1 << 17, 1.0 + i) for i in range(8)]
    acc = np.empty(1 << 17)
    n = max(5, int(100 * scale))
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(n):
        np.copyto(acc, arrays[0])
        for a in arrays[1:]:
            acc += a
        comm.Allreduce(acc, out)
    results['8x1MiB'] = (time.perf_counter() - t0) / n * 1e6
    if comm.rank == 0:
        for k, v in results.items():
            print('%10s %10.1f us' % (k, v))
        print(json.dumps({'bench': 'allreduce-mpi4py', 'pes': comm.size, 'us': results}))


main()
