# ckDestroy frees what the runtime keeps for an array: 100 rounds, each creating an
# array of 2,000 elements (each holding a small list and a 1 KiB NumPy array),
# calling it, reducing over it and destroying it, leave every PE's resident memory
# flat after warm-up. RSS is the current one (/proc/self/statm, not the maximum),
# measured on every PE after round 10 and at the end; growth must stay under
# 2 MiB per PE (without ckDestroy each element kept about 1.7 KiB: 90 rounds of
# 2,000 elements are about 300 MiB in all). In the sanitizer build (make
# test-sanitize sets CHARMPY_RSS_CHECK=off) the figures are printed but not checked:
# ASan's quarantine holds up to 256 MiB of freed memory, so RSS grows there anyway.
import gc
import os

import numpy as np

from charmpy import charm, Chare, Group, Array, Reducer

ROUNDS = 100
WARM_UP = 10
ELEMENTS = 2000
ALLOWED_GROWTH = 2 << 20   # bytes per PE


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


class Worker(Chare):

    def __init__(self):
        self.history = [self.thisIndex[0]] * 8
        self.block = np.full(128, float(self.thisIndex[0]))   # 1 KiB

    def work(self, done):
        self.reduce(done, float(self.block[0]), Reducer.sum)


class Meter(Chare):

    def rss(self):
        gc.collect()
        return rss_bytes()


def main(args):
    meters = Group(Meter)
    expected = float(sum(range(ELEMENTS)))
    warm = None
    for round_ in range(1, ROUNDS + 1):
        a = Array(Worker, ELEMENTS)
        done = charm.createFuture()
        a.work(done)
        assert done.get() == expected
        a.ckDestroy()
        charm.waitQD()
        if round_ == WARM_UP:
            warm = meters.rss(ret=True).get()
    end = meters.rss(ret=True).get()
    per_pe_elements = (ROUNDS - WARM_UP) * ELEMENTS / charm.numPes()
    failed = []
    for pe, (before, after) in enumerate(zip(warm, end)):
        growth = after - before
        print('PE %d: RSS %.1f MiB after round %d, %.1f MiB after round %d: growth %+.1f KiB '
              '(%+.1f bytes per element created here since)'
              % (pe, before / 2**20, WARM_UP, after / 2**20, ROUNDS, growth / 1024,
                 growth / per_pe_elements))
        if growth > ALLOWED_GROWTH:
            failed.append(pe)
    if os.environ.get('CHARMPY_RSS_CHECK') == 'off':
        print('RSS not checked (CHARMPY_RSS_CHECK=off: a sanitizer build, whose quarantine keeps freed memory)')
        failed = []
    assert not failed, 'RSS grew by more than %d MiB on PEs %s' % (ALLOWED_GROWTH >> 20, failed)
    charm.exit(0)


charm.start(main)
