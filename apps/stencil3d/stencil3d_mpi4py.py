"""stencil3d with mpi4py: one block per rank on the process grid of
MPI_Dims_create, non-blocking face exchange, the same Numba kernels as the charmpy
flavour (kernels.py).

    mpirun -n 2 python3 apps/stencil3d/stencil3d_mpi4py.py --grid 128 --iters 100 [--imbalance 4]

See README.md for the problem, the options and the JSON line it ends with.
"""
import json
import sys
import time

import numpy as np
from mpi4py import MPI

import kernels
import params


def main():
    args = params.parse(sys.argv[1:], 'stencil3d, mpi4py flavour')
    comm = MPI.COMM_WORLD
    dims = MPI.Compute_dims(comm.Get_size(), 3)
    shape = params.split(args.grid, dims, 'the process grid %s' % 'x'.join(map(str, dims)))
    cart = comm.Create_cart(dims, periods=[False] * 3, reorder=False)
    coords = cart.Get_coords(cart.Get_rank())
    origin = [c * s for c, s in zip(coords, shape)]
    kernels.warm_up()
    u, v = kernels.new_grids([s + 2 for s in shape])
    kernels.initialise(u, *origin)
    heavy_rows = kernels.heavy_rows(args.grid[0], origin[0], shape[0], args.imbalance)
    # The y and z faces to send, packed by the kernels (kernels.step packs them
    # after each sweep), and where the faces received land (an x face straight in
    # u's ghost plane, so kernels.step gets no x faces).
    packed = tuple(np.empty(kernels.face_shape(shape, f)) for f in range(2, 6))
    kernels.pack_faces(u, *packed)
    received = list(kernels.no_faces())
    neighbours = []   # (face, rank on that side, receive buffer)
    for face in range(6):
        low, high = cart.Shift(face // 2, 1)
        other = low if face % 2 == 0 else high
        if other != MPI.PROC_NULL:
            if face >= 2:
                received[face] = np.empty(kernels.face_shape(shape, face))
            neighbours.append((face, other, received[face]))
    received = tuple(received)

    cart.Barrier()
    began = time.perf_counter()
    compute_seconds = 0.0
    for _ in range(args.iters):
        requests = []
        for face, other, receive in neighbours:
            # Tagged by the face as the receiver sees it: two faces may join one pair
            # of ranks (a grid of 2 along an axis), and tags keep them apart. An x
            # face is a contiguous plane: received into u and sent from u directly.
            if face < 2:
                receive, send = kernels.x_plane(u, face, ghost=True), kernels.x_plane(u, face, ghost=False)
            else:
                send = packed[face - 2]
            requests.append(cart.Irecv(receive, source=other, tag=face))
            requests.append(cart.Isend(send, dest=other, tag=kernels.OPPOSITE[face]))
        MPI.Request.Waitall(requests)
        start = time.perf_counter()
        kernels.step_faces(u, v, *received, heavy_rows, args.imbalance - 1, packed)
        compute_seconds += time.perf_counter() - start
        u, v = v, u
    elapsed = cart.allreduce(time.perf_counter() - began, op=MPI.MAX)
    checksum = cart.reduce(kernels.interior_sum(u), op=MPI.SUM, root=0)
    busy = cart.gather(compute_seconds, root=0)
    if cart.Get_rank() == 0:
        ms_per_iter = elapsed / args.iters * 1e3
        print('stencil3d mpi4py: %d ranks (%s), grid %s, %d iterations, imbalance %d: '
              '%.3f ms/iteration; compute per rank max %.3f s, min %.3f s; checksum %.12g'
              % (cart.Get_size(), 'x'.join(map(str, dims)), 'x'.join(map(str, args.grid)),
                 args.iters, args.imbalance, ms_per_iter, max(busy), min(busy), checksum))
        print(json.dumps({'bench': 'stencil3d', 'flavour': 'mpi4py', 'pes': cart.Get_size(),
                          'grid': args.grid, 'blocks': list(dims), 'iters': args.iters,
                          'imbalance': args.imbalance, 'lb': 'off',
                          'ms_per_iter': round(ms_per_iter, 4), 'checksum': checksum}),
              flush=True)


if __name__ == '__main__':
    main()
