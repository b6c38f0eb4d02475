# charmpy.ray frees what no reference names any more, on every PE: 10,000 tasks each
# return 1 MiB (a NumPy array), the caller keeps at most WINDOW references at a time
# and drops each one after reading its value. Every PE's resident memory (current
# RSS, /proc/self/statm) is printed at the start (after a warm-up), at its peak
# (sampled by every task and every check) and at the end; the growth over the start
# must stay under a generous multiple of what the window can hold (without freeing,
# each PE would keep 10,000 MiB / PEs). At the end no PE holds an object or a
# reference record. In the sanitizer build (CHARMPY_RSS_CHECK=off) the figures are
# printed but not checked (ASan's quarantine keeps freed memory).
import gc
import os

import numpy as np

from charm4py import charm, Chare, Group, ray
from charmpy.ray import object_ref, object_store

TASKS = 10000
WARM_UP = 200
WINDOW = 8
MIB = 1 << 20
ALLOWED_GROWTH = 64 * MIB + 8 * WINDOW * MIB   # per PE

_peak = [0]


def rss_bytes():
    with open('/proc/self/statm') as f:
        rss = int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    _peak[0] = max(_peak[0], rss)
    return rss


@ray.remote
def block(i):
    rss_bytes()
    return np.full(MIB // 8, float(i))


class Meter(Chare):

    def rss(self, reset_peak=False):
        gc.collect()
        now = rss_bytes()
        if reset_peak:
            _peak[0] = now
        return now, _peak[0]

    def records(self):
        gc.collect()
        return len(object_store.held), len(object_ref.slots)


def run(first, last):
    window = []
    for i in range(first, last):
        window.append((i, block.remote(i)))
        if len(window) >= WINDOW:
            j, ref = window.pop(0)
            value = ray.get(ref)
            assert value.shape == (MIB // 8,) and value[0] == j and value[-1] == j
            del value, ref
    while window:
        j, ref = window.pop(0)
        assert ray.get(ref)[0] == j
        del ref


def main(args):
    ray.init()
    meters = Group(Meter)
    run(0, WARM_UP)
    start = meters.rss(True, ret=True).get()
    run(WARM_UP, TASKS)
    charm.waitQD()
    end = meters.rss(ret=True).get()
    records = meters.records(ret=True).get()
    check = os.environ.get('CHARMPY_RSS_CHECK', 'on') != 'off'
    failed = []
    for pe in range(charm.numPes()):
        (s, _), (e, peak) = start[pe], end[pe]
        print('PE %d RSS: start %.1f MiB, peak %.1f MiB, end %.1f MiB (growth to peak %.1f MiB, '
              'allowed %.1f MiB)' % (pe, s / MIB, peak / MIB, e / MIB, (peak - s) / MIB,
                                     ALLOWED_GROWTH / MIB))
        if peak - s > ALLOWED_GROWTH:
            failed.append(pe)
    print('objects held and reference records per PE at the end:', records)
    assert all(r == (0, 0) for r in records), records
    if check and failed:
        print('RSS grew beyond the allowed bound on PE(s) %s' % failed)
        charm.exit(1)
    print('test_ray_memory: %d tasks of 1 MiB, RSS flat on %d PEs' % (TASKS, charm.numPes()))
    charm.exit(0)


charm.start(main)
