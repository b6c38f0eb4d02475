"""A Mandelbrot image computed in tiles by Ray-style tasks (charmpy.ray, i.e.
charm4py.ray), as charm4py's examples/ray/mandelbrot, with at most K tasks in
flight: the driver starts tasks until K are pending, then takes whichever finishes
first (ray.wait) before starting the next, so a large image never has all its
tiles pending at once. The image is written as a PNG (zlib + struct, no imaging
library needed) and checked pixel for pixel against the same computation done
serially with NumPy in one piece.

    mpirun -n 2 build/bin/charmpy-run apps/ray/mandelbrot.py [--width 640] [--height 480]
        [--max-iter 200] [--tile 64] [--in-flight 8] [--out mandelbrot.png]
"""
import argparse
import struct
import time
import zlib

import numpy as np
from charm4py import charm, ray

# The part of the complex plane shown: re in [-2.5, 1], im in [-1, 1].
RE_MIN, RE_MAX, IM_MIN, IM_MAX = -2.5, 1.0, -1.0, 1.0


def escape_counts(x0, x1, y0, y1, width, height, max_iter):
    """Iterations before |z| > 2 (max_iter if never) for the pixels [y0:y1, x0:x1]
    of a width x height image. Every pixel's arithmetic depends on its own
    coordinates only, so a tile equals the same region of the whole image, bit
    for bit."""
    re = RE_MIN + (RE_MAX - RE_MIN) * (np.arange(x0, x1) / width)
    im = IM_MIN + (IM_MAX - IM_MIN) * (np.arange(y0, y1) / height)
    c = re[np.newaxis, :] + 1j * im[:, np.newaxis]
    z = np.zeros_like(c)
    counts = np.full(c.shape, max_iter, dtype=np.uint16)
    alive = np.ones(c.shape, dtype=bool)
    for i in range(max_iter):
        z[alive] = z[alive] * z[alive] + c[alive]
        escaped = alive & (z.real * z.real + z.imag * z.imag > 4.0)
        counts[escaped] = i
        alive &= ~escaped
        if not alive.any():
            break
    return counts


@ray.remote
def compute_tile(x0, x1, y0, y1, width, height, max_iter):
    return charm.myPe(), escape_counts(x0, x1, y0, y1, width, height, max_iter)


def render(width, height, max_iter, tile, in_flight):
    """The image's escape counts, computed in tiles with at most `in_flight` tasks
    pending; also returns the largest number that was pending and tiles per PE."""
    image = np.zeros((height, width), dtype=np.uint16)
    tiles = [(x, min(x + tile, width), y, min(y + tile, height))
             for y in range(0, height, tile) for x in range(0, width, tile)]
    pending = {}                  # reference -> the tile it computes
    peak = 0
    per_pe = {}

    def take_one():
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            x0, x1, y0, y1 = pending.pop(ref)
            pe, counts = ray.get(ref)
            image[y0:y1, x0:x1] = counts
            per_pe[pe] = per_pe.get(pe, 0) + 1

    for x0, x1, y0, y1 in tiles:
        while len(pending) >= in_flight:
            take_one()
        pending[compute_tile.remote(x0, x1, y0, y1, width, height, max_iter)] = (x0, x1, y0, y1)
        peak = max(peak, len(pending))
    while pending:
        take_one()
    return image, len(tiles), peak, per_pe


def colour(counts, max_iter):
    """Escape counts -> RGB bytes: black inside the set, blue to white outside."""
    t = np.sqrt((counts + 1.0) / (max_iter + 1.0))
    rgb = np.stack([255 * np.clip(2 * t - 0.5, 0, 1), 255 * np.clip(2 * t - 1, 0, 1),
                    100 + 155 * t], axis=-1).astype(np.uint8)
    rgb[counts == max_iter] = 0
    return rgb


def png_chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def write_png(path, rgb):
    """An 8-bit RGB PNG: each row prefixed by filter type 0, all rows deflated."""
    height, width, _ = rgb.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, 3 * width)], axis=1)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n')
        f.write(png_chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)))
        f.write(png_chunk(b'IDAT', zlib.compress(rows.tobytes(), 6)))
        f.write(png_chunk(b'IEND', b''))


def read_png(path):
    """Reads back a PNG written by write_png (filter 0 rows only): RGB array."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, width, height = 8, b'', 0, 0
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xffffffff, 'bad CRC in ' + kind.decode()
        if kind == b'IHDR':
            width, height = struct.unpack('>II', body[:8])
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + 3 * width)
    assert not rows[:, 0].any(), 'unexpected PNG row filter'
    return rows[:, 1:].reshape(height, width, 3)


def main(args):
    parser = argparse.ArgumentParser(prog='mandelbrot.py', description=__doc__.split('\n\n')[0])
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--max-iter', type=int, default=200)
    parser.add_argument('--tile', type=int, default=64)
    parser.add_argument('--in-flight', type=int, default=8, help='K: tasks pending at most')
    parser.add_argument('--out', default='mandelbrot.png')
    opts = parser.parse_args(args[1:])
    if opts.in_flight < 1 or opts.tile < 1:
        parser.error('--in-flight and --tile must be at least 1')
    ray.init()

    t0 = time.perf_counter()
    image, tiles, peak, per_pe = render(opts.width, opts.height, opts.max_iter, opts.tile,
                                        opts.in_flight)
    elapsed = time.perf_counter() - t0
    print('%dx%d, max_iter %d: %d tiles of %d px on %d PEs, at most %d in flight, in %.3f s'
          % (opts.width, opts.height, opts.max_iter, tiles, opts.tile, charm.numPes(), peak, elapsed))
    print('tiles per PE: %s' % ', '.join('PE %d: %d' % kv for kv in sorted(per_pe.items())))
    assert peak <= opts.in_flight, (peak, opts.in_flight)
    assert sum(per_pe.values()) == tiles

    t0 = time.perf_counter()
    serial = escape_counts(0, opts.width, 0, opts.height, opts.width, opts.height, opts.max_iter)
    print('serial NumPy, one piece: %.3f s' % (time.perf_counter() - t0))
    checksum = int(image.astype(np.int64).sum())
    print('pixel checksum: sum of escape counts %d, crc32 %08x; inside the set: %d px'
          % (checksum, zlib.crc32(image.tobytes()), int((image == opts.max_iter).sum())))
    assert np.array_equal(image, serial), 'tiles differ from the serial image in %d pixels' \
        % int((image != serial).sum())

    rgb = colour(image, opts.max_iter)
    write_png(opts.out, rgb)
    assert np.array_equal(read_png(opts.out), rgb), 'the PNG does not read back'
    print('wrote %s; it reads back pixel for pixel' % opts.out)
    print('mandelbrot: all checks passed')
    charm.exit()


charm.start(main)
