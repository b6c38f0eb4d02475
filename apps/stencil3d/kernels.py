"""The Numba kernels of stencil3d, shared by the charmpy and mpi4py flavours (see
README.md for the problem): initial values, the 7-point sweep, the imbalance's
extra sweeps, face packing and unpacking, the block's sum.

A block is a C-order array of shape (nx+2, ny+2, nz+2) (x slowest) with one layer of
ghost cells. Faces are numbered 0: x-, 1: x+, 2: y-, 3: y+, 4: z-, 5: z+.
"""
import numpy as np
from numba import njit

import prefetch

OPPOSITE = (1, 0, 3, 2, 5, 4)
NO_FACE = np.zeros((0, 0))   # no neighbour on that side


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


# The sweeps walk 1-d slices of the flattened grids, one slice per neighbour: Numba
# then sees plain unit-stride loops without negative indices and compiles them
# without wraparound checks, vectorized (2x faster than u[i, j, k - 1]). A slice
# spans a whole x-plane (rows 1..ny, the z ghosts between rows included), not one
# z-row: on small blocks (rows of 48) the per-row set-up cost 30%. The span also
# writes the new grid's z ghosts between rows (with values that mean nothing);
# _clear_z_ghosts puts them back to 0 where there is no neighbour (such a ghost must
# stay 0); step leaves them on a side with a neighbour (its face is stored over
# them before they are read). Measured and not kept (bench_kernels.py, 32 blocks of
# 48^3): the y faces read in place by spans of their own for rows 1 and ny (+4.5%),
# the z ghosts read from the faces by recomputing each row's end points (+7%),
# the unpacking and packing through 1-d strided views (+2.5%), software prefetch
# of the faces' next rows (within noise). Kept: software prefetch of the next
# x-plane (_span_from).

@njit(cache=True)
def _span(new_flat, old_flat, start, n, sx, sy, fold):
    """The 7-point update of the `n` points starting at flat index `start`; with
    `fold`, the imbalance's extra update (folding in new * 1e-30)."""
    _span_from(new_flat, old_flat, start, n, sx, sy, fold,
               old_flat, start - sx, old_flat, start + sx)


@njit(cache=True)
def _span_from(new_flat, old_flat, start, n, sx, sy, fold, below, low, above, high):
    """_span with the x- neighbours of the span read from `below` (a flat array)
    starting at index `low`, and the x+ ones from `above` at `high`: old_flat for
    the neighbouring x-planes of the grid, or a received x face read in place."""
    out = new_flat[start:start + n]
    centre = old_flat[start:start + n]
    x_low, x_high = below[low:low + n], above[high:high + n]
    y_low, y_high = old_flat[start - sy:start - sy + n], old_flat[start + sy:start + sy + n]
    z_low, z_high = old_flat[start - 1:start - 1 + n], old_flat[start + 1:start + 1 + n]
    # The x+ plane comes from memory: asked for prefetch.AHEAD points ahead, one
    # chunk at a time (32 blocks of 48^3: 4.8-5.3 -> 3.7-4.7 ms per sweep of
    # all, the 96x192x192 slab 4.7-5.9 -> 3.7-4.7, bench_kernels.py two at once).
    # The chunk's points are a call of their own, which LLVM vectorises (with
    # the asking in the same loop it did not: 3x slower).
    limit = above.size - high - prefetch.AHEAD   # no line past above's end
    for first in range(0, n, prefetch.CHUNK):
        last = min(first + prefetch.CHUNK, n)
        for k in range(first, last, 8):
            if k < limit:
                prefetch.ask_for(above, high + prefetch.AHEAD + k)
        _points(out[first:last], centre[first:last], x_low[first:last], x_high[first:last],
                y_low[first:last], y_high[first:last], z_low[first:last], z_high[first:last], fold)


@njit(cache=True)
def _points(out, centre, x_low, x_high, y_low, y_high, z_low, z_high, fold):
    """The 7-point update of out's points from the seven arrays of their terms
    (each as long as out); with `fold`, the imbalance's extra update."""
    if fold:
        for k in range(out.size):
            out[k] = (centre[k] + x_low[k] + x_high[k] + y_low[k] + y_high[k] + z_low[k]
                      + z_high[k] + 1e-30 * out[k]) * (1.0 / 7.0)
    else:
        for k in range(out.size):
            out[k] = (centre[k] + x_low[k] + x_high[k] + y_low[k] + y_high[k] + z_low[k]
                      + z_high[k]) * (1.0 / 7.0)


@njit(cache=True)
def _clear_z_ghosts(new_flat, plane, ny, nz, low, high):
    """Puts to 0 the z ghosts of rows 1..ny of the x-plane at flat index `plane`:
    with `low`, those on the z- side, with `high`, those on the z+ side. The
    span wrote all but two of them (between rows); the two it did not write are
    cleared too, for a grid that held another block's ghosts (see step)."""
    sy = nz + 2
    if low:
        column = new_flat[plane + sy:plane + ny * sy + 1:sy]
        for j in range(column.size):
            column[j] = 0.0
    if high:
        column = new_flat[plane + sy + nz + 1:plane + ny * sy + nz + 2:sy]
        for j in range(column.size):
            column[j] = 0.0


@njit(cache=True)
def _clear_y_ghosts(new, i, low, high):
    """Puts to 0 the y ghost rows of x-plane i: with `low` row 0, with `high` row
    ny+1."""
    ny = new.shape[1] - 2
    if low:
        new[i, 0, :] = 0.0
    if high:
        new[i, ny + 1, :] = 0.0


@njit(cache=True)
def _sweep_plane(old, new, old_flat, new_flat, i, fold):
    """Updates x-plane i (1..nx) of the interior: one span, then the z ghosts it
    wrote between rows back to 0."""
    ny, nz = old.shape[1] - 2, old.shape[2] - 2
    sy = nz + 2
    sx = (ny + 2) * sy
    _span(new_flat, old_flat, i * sx + sy + 1, (ny - 1) * sy + nz, sx, sy, fold)
    _clear_z_ghosts(new_flat, i * sx, ny, nz, True, True)


@njit(cache=True)
def _sweep_rows(old, new, rows, fold):
    old_flat, new_flat = old.reshape(old.size), new.reshape(new.size)
    for i in range(1, rows + 1):
        _sweep_plane(old, new, old_flat, new_flat, i, fold)


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
def _unpack_plane(u, i, y_low, y_high, z_low, z_high):
    """Stores the y and z ghosts of x-plane i (1..nx) from the faces received (an
    empty face: no neighbour on that side, the ghost is left as it is). (3-d
    indexing: 1-d strided views of the flattened grid measured slower.)"""
    ny, nz = u.shape[1] - 2, u.shape[2] - 2
    if y_low.size:
        for k in range(nz):
            u[i, 0, k + 1] = y_low[i - 1, k]
    if y_high.size:
        for k in range(nz):
            u[i, ny + 1, k + 1] = y_high[i - 1, k]
    if z_low.size:
        for j in range(ny):
            u[i, j + 1, 0] = z_low[i - 1, j]
    if z_high.size:
        for j in range(ny):
            u[i, j + 1, nz + 1] = z_high[i - 1, j]


@njit(cache=True)
def _pack_plane(u, i, y_low, y_high, z_low, z_high):
    """Copies the interior layers of x-plane i (1..nx) next to the y and z faces
    into the faces to send (2-d arrays, rows by x; an empty one is skipped)."""
    ny, nz = u.shape[1] - 2, u.shape[2] - 2
    if y_low.size:
        for k in range(nz):
            y_low[i - 1, k] = u[i, 1, k + 1]
    if y_high.size:
        for k in range(nz):
            y_high[i - 1, k] = u[i, ny, k + 1]
    if z_low.size:
        for j in range(ny):
            z_low[i - 1, j] = u[i, j + 1, 1]
    if z_high.size:
        for j in range(ny):
            z_high[i - 1, j] = u[i, j + 1, nz]


@njit(cache=True)
def pack_faces(u, y_low, y_high, z_low, z_high):
    """Packs the four y and z faces of `u` to send (before the first iteration;
    step() packs them after each)."""
    for i in range(1, u.shape[0] - 1):
        _pack_plane(u, i, y_low, y_high, z_low, z_high)


@njit(cache=True)
def step(old, new, received, heavy_rows, extra, send, recycled=False):
    """One iteration of a block, in one call, plane by plane while each plane is in
    cache: takes the ghosts of `old` from the six faces received, sweeps into
    `new`, runs the imbalance's `extra` sweeps over its first `heavy_rows`
    x-rows, and packs the y and z faces of `new` into `send` (y-, y+, z-, z+) for
    the next iteration. The same values as unpack, sweep, extra_sweeps, pack.

    `received` is a tuple in face order: x faces are whole planes as x_plane
    gives them, y and z faces as pack gives them; an empty array: no neighbour
    on that side (old's ghosts there hold 0 and are read). The x faces are read
    where they are, not copied into old's ghost planes (except for the extra
    sweeps); the y and z ones are stored into old's ghosts. Only the faces of
    the sides a face came from are packed (the others have no neighbour to go
    to), and new's z ghosts on those sides are left with values that mean
    nothing (the next step stores that side's face over them before reading).

    With `recycled`, `new` may hold anything (it was another block's grid: the
    charm flavours share a PE's spare grids between blocks, see stencil3d.py):
    the step then also puts to 0 new's ghosts on every side with no neighbour,
    which the next step reads as 0. Without it, the ghosts there are the 0 the
    block's own grids started with."""
    nx, ny, nz = old.shape[0] - 2, old.shape[1] - 2, old.shape[2] - 2
    x_low, x_high, y_low, y_high, z_low, z_high = received
    old_flat, new_flat = old.reshape(old.size), new.reshape(new.size)
    sy = nz + 2
    sx = (ny + 2) * sy
    n = (ny - 1) * sy + nz
    # x neighbours of planes 1 and nx: the faces received, or old's ghost planes
    below = x_low.reshape(x_low.size) if x_low.size else old_flat[:sx]
    above = x_high.reshape(x_high.size) if x_high.size else old_flat[(nx + 1) * sx:]
    to_y_low = send[0] if y_low.size else send[0][:0]
    to_y_high = send[1] if y_high.size else send[1][:0]
    to_z_low = send[2] if z_low.size else send[2][:0]
    to_z_high = send[3] if z_high.size else send[3][:0]
    pack_now = heavy_rows == 0 or extra == 0
    for i in range(1, nx + 1):
        _unpack_plane(old, i, y_low, y_high, z_low, z_high)
        start = i * sx + sy + 1
        if i == 1 and i == nx:
            _span_from(new_flat, old_flat, start, n, sx, sy, False, below, sy + 1, above, sy + 1)
        elif i == 1:
            _span_from(new_flat, old_flat, start, n, sx, sy, False, below, sy + 1, old_flat, start + sx)
        elif i == nx:
            _span_from(new_flat, old_flat, start, n, sx, sy, False, old_flat, start - sx, above, sy + 1)
        else:
            _span(new_flat, old_flat, start, n, sx, sy, False)
        if recycled:
            _clear_y_ghosts(new, i, not y_low.size, not y_high.size)
        if pack_now:
            _clear_z_ghosts(new_flat, i * sx, ny, nz, not z_low.size, not z_high.size)
            _pack_plane(new, i, to_y_low, to_y_high, to_z_low, to_z_high)
        else:
            _clear_z_ghosts(new_flat, i * sx, ny, nz, True, True)
    if recycled:
        if not x_low.size:
            new[0] = 0.0
        if not x_high.size:
            new[nx + 1] = 0.0
    if not pack_now:
        if x_low.size:
            old[0] = x_low
        if x_high.size:
            old[nx + 1] = x_high
        for _ in range(extra):
            _sweep_rows(old, new, heavy_rows, True)
        pack_faces(new, to_y_low, to_y_high, to_z_low, to_z_high)


@njit(cache=True)
def step_faces(old, new, x_low, x_high, y_low, y_high, z_low, z_high, heavy_rows, extra, send,
               recycled=False):
    """step() with the six faces received as arguments of their own, as the
    flavours call it. Numba 0.56 finds the compiled version for a call by a
    fingerprint of each argument's type; a tuple of six arrays has one longer
    than the 40-byte buffer it starts in, and on growing it Numba mallocs a new
    one without copying the first 40 bytes (numba/_typeof.c,
    string_writer_ensure). The lookup then misses whenever malloc hands back
    memory with other leftovers, and Numba types the call in Python (50-350 us
    instead of ~1). That happened for 10-20 calls after every load balancing
    step (whose allocations change what malloc hands back): ~0.5-0.8 ms per
    AtSync period at 32 blocks on 1 PE. Separate arguments have short
    fingerprints; Numba builds the tuple."""
    step(old, new, (x_low, x_high, y_low, y_high, z_low, z_high), heavy_rows, extra, send,
         recycled)


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
    interior plane, the receiver reads it in place (kernels.step) or receives it
    into its ghost plane (the mpi4py flavour). The plane's own ghost ring stands
    for the ghost plane's ring, which the sweep never reads."""
    if face == 0:
        return u[0] if ghost else u[1]
    return u[-1] if ghost else u[-2]


def face_shape(shape, face):
    """The (rows, columns) of a face of a block of interior `shape` (nx, ny, nz)."""
    nx, ny, nz = shape
    return ((ny, nz), (ny, nz), (nx, nz), (nx, nz), (nx, ny), (nx, ny))[face]


HUGE_PAGE = 2 << 20    # bytes
NUMPY_HUGE_PAGES_FROM = 4 << 20   # NumPy asks Linux for huge pages for arrays this large


def zeros_in_huge_pages(count):
    """`count` float64 zeros in memory backed by 2 MiB pages where the OS gives them
    (Linux transparent huge pages), or a plain array when they fill less than half
    a huge page (a huge page each would waste memory). NumPy asks for huge pages
    only for arrays of 4 MiB and more made by np.empty (np.zeros takes another
    path), and huge pages cover 2 MiB aligned ranges: so the cells are a view of
    such an array, starting at a 2 MiB boundary."""
    needed = count * np.dtype(np.float64).itemsize
    if needed < HUGE_PAGE // 2:
        return np.zeros(count)
    raw = np.empty(max(needed + HUGE_PAGE, NUMPY_HUGE_PAGES_FROM), dtype=np.uint8)
    start = -raw.ctypes.data % HUGE_PAGE
    cells = raw[start:start + needed].view(np.float64)
    cells[:] = 0.0
    return cells


def new_grids(shape):
    """The two grids (u and v) of a block that keeps both (the mpi4py flavour),
    zeros of `shape`, in huge pages
    (zeros_in_huge_pages). The sweeps read and write whole grids; with 4 KiB pages
    their TLB misses (costly in a VM) took ~20% of a sweep. Both grids are views of
    one allocation (a 48^3 block's two grids fill one huge page)."""
    count = 1
    for n in shape:
        count *= n
    second = -(-count // 8) * 8    # v starts on a 64-byte boundary
    cells = zeros_in_huge_pages(second + count)
    return cells[:count].reshape(shape), cells[second:second + count].reshape(shape)


def new_grid(shape):
    """One grid as new_grids makes them: a charmpy block's grid, or a PE's spare
    grid (stencil3d.py, Block.compute)."""
    count = 1
    for n in shape:
        count *= n
    return zeros_in_huge_pages(count).reshape(shape)


def keep_freed_memory_in_process():
    """Has glibc keep the memory of freed large arrays in the process for later
    allocations instead of giving it back to the OS (the C++ flavour does the
    same). Freed grids of blocks that migrated away then hold the next arriving
    block's: memory the OS hands out afresh is far slower to touch the first time
    (on a VM each new page faults in the hypervisor too: 0.05-0.25 GB/s measured,
    against 20 GB/s for memory the process reuses), and it was most of a load
    balancing step's time. No-op where glibc's mallopt is not available."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 << 20)   # glibc's largest threshold
        libc.mallopt(m_trim_threshold, 1 << 30)
    except (OSError, AttributeError):
        pass



def no_faces():
    """The received faces of a block with no neighbours: six empty arrays."""
    return (NO_FACE,) * 6


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
    faces = tuple(np.zeros((2, 2)) for _ in range(4))
    pack_faces(u, *faces)
    for received in (no_faces(), (u[0], u[-1]) + faces):
        for recycled in (False, True):
            step(u, v, received, 0, 0, faces, recycled)
            step_faces(u, v, *received, 0, 0, faces, recycled)
