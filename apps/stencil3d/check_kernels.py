"""Checks kernels.step against a plain NumPy statement of one iteration (README.md:
the 7-point sum added left to right, the imbalance's extra sweeps, the faces), bit
for bit, on blocks of odd shapes (sides of 1 included), with faces missing on some
sides and heavy rows, two iterations in a row. Run by ctest (stencil3d_kernels_match_numpy); exits 1 on a
mismatch.

    python3 apps/stencil3d/check_kernels.py
"""
import sys

import numpy as np

import kernels


def reference(u, v, received, heavy_rows, extra):
    """One iteration in NumPy: ghosts stored, swept into v, extra sweeps; returns
    the y and z faces of v to send."""
    u = u.copy()
    v = v.copy()
    x_low, x_high, y_low, y_high, z_low, z_high = received
    if x_low.size:
        u[0] = x_low
    if x_high.size:
        u[-1] = x_high
    for face, index in ((y_low, (slice(1, -1), 0, slice(1, -1))),
                        (y_high, (slice(1, -1), -1, slice(1, -1))),
                        (z_low, (slice(1, -1), slice(1, -1), 0)),
                        (z_high, (slice(1, -1), slice(1, -1), -1))):
        if face.size:
            u[index] = face

    def total(rows):
        c = (slice(1, rows + 1), slice(1, -1), slice(1, -1))
        return (u[c] + u[:rows, 1:-1, 1:-1] + u[2:rows + 2, 1:-1, 1:-1]
                + u[1:rows + 1, :-2, 1:-1] + u[1:rows + 1, 2:, 1:-1]
                + u[1:rows + 1, 1:-1, :-2] + u[1:rows + 1, 1:-1, 2:])

    nx = u.shape[0] - 2
    v[1:-1, 1:-1, 1:-1] = total(nx) * (1.0 / 7.0)
    for _ in range(extra if heavy_rows else 0):
        interior = v[1:heavy_rows + 1, 1:-1, 1:-1]
        interior[...] = (total(heavy_rows) + 1e-30 * interior) * (1.0 / 7.0)
    faces = (v[1:-1, 1, 1:-1], v[1:-1, -2, 1:-1], v[1:-1, 1:-1, 1], v[1:-1, 1:-1, -2])
    return u, v, [f.copy() for f in faces]


def faces_for(rng, shape, missing):
    """Random faces received by a block of interior `shape`, empty on `missing`."""
    ghost_plane = (shape[1] + 2, shape[2] + 2)
    received = [rng.random(ghost_plane), rng.random(ghost_plane)]
    received += [rng.random(kernels.face_shape(shape, f)) for f in range(2, 6)]
    return tuple(kernels.NO_FACE if f in missing else received[f] for f in range(6))


def check_steps(rng, shape, heavy_rows, extra, missing, recycled):
    """Two iterations of kernels.step (grids swapped between them, as the flavours
    do, starting from ghost layers of 0) against the reference: the interiors,
    the faces packed, and the ghosts of the grid read. With `recycled`, the new
    grid is filled with random values (ghosts included) before each step, as a
    spare grid another block used would be, and the step is told so. True when
    they match."""
    u = np.zeros([n + 2 for n in shape])
    u[1:-1, 1:-1, 1:-1] = rng.random(shape)
    v = np.zeros_like(u)
    v[1:-1, 1:-1, 1:-1] = rng.random(shape)
    ref_u, ref_v = u.copy(), v.copy()
    inner = (slice(1, -1),) * 3
    for _ in range(2):
        received = faces_for(rng, shape, missing)
        ref_u, ref_v, ref_faces = reference(ref_u, ref_v, received, heavy_rows, extra)
        sent = tuple(np.empty(kernels.face_shape(shape, f)) for f in range(2, 6))
        if recycled:
            v[...] = rng.random(v.shape)
        if recycled:   # (the flavours' entry point; the same code as step)
            kernels.step_faces(u, v, *received, heavy_rows, extra, sent, recycled)
        else:
            kernels.step(u, v, received, heavy_rows, extra, sent)
        # sent: the faces of the sides a face came from (the others are not
        # packed: no neighbour to go to)
        packed = [f for f in range(2, 6) if received[f].size]
        ok = (np.array_equal(u[inner], ref_u[inner]) and np.array_equal(v[inner], ref_v[inner])
              and all(np.array_equal(sent[f - 2], ref_faces[f - 2]) for f in packed)
              # the y and z ghosts the sweep reads hold the faces (or 0 where none came)
              and np.array_equal(u[1:-1, 1:-1, 0], ref_u[1:-1, 1:-1, 0])
              and np.array_equal(u[1:-1, 1:-1, -1], ref_u[1:-1, 1:-1, -1])
              and np.array_equal(u[1:-1, 0, 1:-1], ref_u[1:-1, 0, 1:-1])
              and np.array_equal(u[1:-1, -1, 1:-1], ref_u[1:-1, -1, 1:-1])
              # the x ghost planes the sweep reads (where no x face came) hold 0
              and (received[0].size or not np.any(u[0, 1:-1, 1:-1]))
              and (received[1].size or not np.any(u[-1, 1:-1, 1:-1]))
              # the new grid's z ghosts between rows are back to 0 on the sides
              # with no neighbour (the others get the next faces first)
              and (received[4].size or not np.any(v[1:-1, 1:-1, 0][:, 1:]))
              and (received[5].size or not np.any(v[1:-1, 1:-1, -1][:, :-1])))
        if not ok:
            return False
        u, v, ref_u, ref_v = v, u, ref_v, ref_u
    return True


def main():
    rng = np.random.default_rng(16)
    failures = 0
    for shape in [(5, 7, 9), (1, 1, 1), (3, 1, 4), (2, 6, 1), (1, 4, 3), (12, 12, 12), (48, 3, 48)]:
        for heavy_rows, extra in [(0, 0), (1, 1), (2, 3)]:
            heavy_rows = min(heavy_rows, shape[0])
            for missing in [(), (1, 2, 5), (0, 3, 4), tuple(range(6))]:
                for recycled in (False, True):
                    if not check_steps(rng, shape, heavy_rows, extra, missing, recycled):
                        failures += 1
                        print('mismatch: shape %s, heavy rows %d, extra %d, missing %s%s'
                              % (shape, heavy_rows, extra, missing,
                                 ', recycled' if recycled else ''))
    grids = kernels.new_grids((50, 50, 50))
    if not all(g.shape == (50, 50, 50) and g.flags.c_contiguous and not g.any() for g in grids):
        failures += 1
        print('new_grids: not two zeroed C-contiguous grids')
    print('check_kernels: %s' % ('ok' if not failures else '%d failures' % failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
