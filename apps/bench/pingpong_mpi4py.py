"""mpi4py ping-pong with the payloads of pingpong.py: a pickled send/recv of a
small int, buffer Send/Recv of NumPy arrays (8 B, 1 KiB, 1 MiB).
Run: mpirun -n 2 python3 pingpong_mpi4py.py [--iters-scale F]; ends with one JSON
line {"bench": "pingpong-mpi4py", "one_way_us": {...}}."""
import json
import sys
import time

import numpy as np
from mpi4py import MPI


def one_way_us(comm, payload, iterations):
    rank = comm.rank
    comm.Barrier()
    t0 = time.perf_counter()
    if isinstance(payload, int):
        for _ in range(iterations):
            if rank == 0:
                comm.send(payload, 1)
                payload = comm.recv(source=1)
            elif rank == 1:
                payload = comm.recv(source=0)
                comm.send(payload, 0)
    else:
        for _ in range(iterations):
            if rank == 0:
                comm.Send(payload, 1)
                comm.Recv(payload, 1)
            elif rank == 1:
                comm.Recv(payload, 0)
                comm.Send(payload, 0)
    return (time.perf_counter() - t0) / (2 * iterations) * 1e6


def main():
    comm = MPI.COMM_WORLD
    scale = 1.0
    if '--iters-scale' in sys.argv:
        scale = float(sys.argv[sys.argv.index('--iters-scale') + 1])
    cases = [('int', 1, 50000)] + [(str(8 * n), np.ones(n), iterations) for n, iterations in
                                   ((1, 50000), (8, 50000), (64, 40000), (128, 30000),
                                    (1024, 20000), (8192, 5000), (32768, 2000), (131072, 1000),
                                    (524288, 200))]
    results = {}
    for name, payload, iterations in cases:
        iterations = max(10, int(iterations * scale))
        one_way_us(comm, payload, max(5, iterations // 10))
        results[name] = one_way_us(comm, payload, iterations)
        if comm.rank == 0:
            print('%10s %12.3f' % (name, results[name]))
    if comm.rank == 0:
        print(json.dumps({'bench': 'pingpong-mpi4py', 'one_way_us': results}))


main()
