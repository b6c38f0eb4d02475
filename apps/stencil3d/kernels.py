"""The Numba kernels of stencil3d, shared by the charmpy and mpi4py flavours (see
README.md for the problem): initial values, the 7-point sweep, the imbalance's
extra sweeps, face packing and unpacking, the block's sum.

A block is a C-order array of shape (nx+2, ny+2, nz+2) (x slowest) with one layer of
ghost cells. Faces are numbered 0: x-, 1: x+, 2: y-, 3: y+, 4: z-, 5: z+.
"""
import numpy as np
from numba import njit

OPPOSITE = (1, 0, 3, 2, 5, 4)


@njit(cache=True)
def initialise(u, x0, y0, z0):
    """u0 = ((7x + 13y + 29z) mod 97) / 96 on the interior (global coordinates of the
    first interior point: x0, y0, z0); the ghost layer stays 0."""
    nx, ny, nz = u.shape[0] - 2, u.shape[1] - 2, u.shape[2] - 2
    for i in range(1, nx + 1):
        for j in range(1, ny + 1):
            for k in range(1, nz + 1):
                x, y, z = x0 + i - 1, y0 + j - 1, z0 + k - 1
                u[i, j, k] = ((7 * x + 13 * y + 29 * z) % 97) / 96.0


# The sweeps walk rows of z through 1-d slices of the flattened grids, one slice per
# neighbour: Numba then sees plain unit-stride loops without negative indices and
# compiles them without wraparound checks, vectorized (2x faster than u[i, j, k - 1]).

@njit(cache=True)
def _row(new_flat, old_flat, start, nz, sx, sy, fold):
    """The 7-point update of the z-row of `nz` points starting at flat index
    `start`; with `fold`, the imbalance's extra update (folding in new * 1e-30)."""
    out = new_flat[start:start + nz]
    centre = old_flat[start:start + nz]
    x_low, x_high = old_flat[start - sx:start - sx + nz], old_flat[start + sx:start + sx + nz]
    y_low, y_high = old_flat[start - sy:start - sy + nz], old_flat[start + sy:start + sy + nz]
    z_low, z_high = old_flat[start - 1:start - 1 + nz], old_flat[start + 1:start + 1 + nz]
    if fold:
        for k in range(nz):
            out[k] = (centre[k] + x_low[k] + x_high[k] + y_low[k] + y_high[k] + z_low[k]
                      + z_high[k] + 1e-30 * out[k]) * (1.0 / 7.0)
    else:
        for k in range(nz):
            out[k] = (centre[k] + x_low[k] + x_high[k] + y_low[k] + y_high[k] + z_low[k]
                      + z_high[k]) * (1.0 / 7.0)


@njit(cache=True)
def _sweep_rows(old, new, rows, fold):
    ny, nz = old.shape[1] - 2, old.shape[2] - 2
    sy = nz + 2
    sx = (ny + 2) * sy
    old_flat, new_flat = old.reshape(old.size), new.reshape(new.size)
    for i in range(rows):
        for j in range(ny):
            _row(new_flat, old_flat, (i + 1) * sx + (j + 1) * sy + 1, nz, sx, sy, fold)


@njit(cache=True)
def sweep(old, new):
    """One Jacobi iteration of the interior: new = (7-point sum of old) / 7."""
    _sweep_rows(old, new, old.shape[0] - 2, False)


@njit(cache=True)
def extra_sweeps(old, new, heavy_rows, count):
    """The imbalance: `count` more sweeps over the first `heavy_rows` x-rows of the
    interior, each folding in the current value with a factor no compiler can prove
    negligible (so each really runs), which leaves the values unchanged."""
    for _ in range(count):
        _sweep_rows(old, new, heavy_rows, True)


@njit(cache=True)
def pack(u, face, out):
    """Copies the interior layer next to `face` into `out` (a 2-d array)."""
    nx, ny, nz = u.shape[0] - 2, u.shape[1] - 2, u.shape[2] - 2
    if face < 2:
        i = 1 if face == 0 else nx
        for j in range(ny):
            for k in range(nz):
                out[j, k] = u[i, j + 1, k + 1]
    elif face < 4:
        j = 1 if face == 2 else ny
        for i in range(nx):
            for k in range(nz):
                out[i, k] = u[i + 1, j, k + 1]
    else:
        k = 1 if face == 4 else nz
        for i in range(nx):
            for j in range(ny):
                out[i, j] = u[i + 1, j + 1, k]


@njit(cache=True)
def unpack(u, face, data):
    """Stores a neighbour's face into the ghost layer on side `face`."""
    nx, ny, nz = u.shape[0] - 2, u.shape[1] - 2, u.shape[2] - 2
    if face < 2:
        i = 0 if face == 0 else nx + 1
        for j in range(ny):
            for k in range(nz):
                u[i, j + 1, k + 1] = data[j, k]
    elif face < 4:
        j = 0 if face == 2 else ny + 1
        for i in range(nx):
            for k in range(nz):
                u[i + 1, j, k + 1] = data[i, k]
    else:
        k = 0 if face == 4 else nz + 1
        for i in range(nx):
            for j in range(ny):
                u[i + 1, j + 1, k] = data[i, j]


@njit(cache=True)
def interior_sum(u):
    nx, ny, nz = u.shape[0] - 2, u.shape[1] - 2, u.shape[2] - 2
    total = 0.0
    for i in range(1, nx + 1):
        for j in range(1, ny + 1):
            for k in range(1, nz + 1):
                total += u[i, j, k]
    return total


def x_plane(u, face, ghost):
    """The whole x-plane (ghost rows and columns included) on side `face` (0 or 1)
    of `u`: the interior layer next to it, or with `ghost` the ghost layer. It is
    contiguous, so an x face travels without packing: the sender passes its
    interior plane, the receiver copies it into its ghost plane. The plane's own
    ghost ring lands in the ghost plane's ring, which the sweep never reads."""
    if face == 0:
        return u[0] if ghost else u[1]
    return u[-1] if ghost else u[-2]


def face_shape(shape, face):
    """The (rows, columns) of a face of a block of interior `shape` (nx, ny, nz)."""
    nx, ny, nz = shape
    return ((ny, nz), (ny, nz), (nx, nz), (nx, nz), (nx, ny), (nx, ny))[face]


def heavy_rows(grid_x, x0, nx, imbalance):
    """How many of the block's x-rows lie in the heavy half (global x < NX/2), 0
    when there is no imbalance."""
    if imbalance <= 1:
        return 0
    return max(0, min(nx, grid_x // 2 - x0))


def warm_up():
    """Compiles every kernel (or loads it from Numba's cache) before timing."""
    u = np.zeros((4, 4, 4))
    v = np.zeros_like(u)
    initialise(u, 0, 0, 0)
    sweep(u, v)
    extra_sweeps(u, v, 1, 1)
    face = np.empty((2, 2))
    for f in range(6):
        pack(u, f, face)
        unpack(v, f, face)
    interior_sum(u)
