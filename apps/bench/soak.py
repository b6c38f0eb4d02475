# Soak: a long run of the message paths charm4py programs use, mixed, checking every
# result as it goes and that memory stays flat.
#
#     mpirun -n 4 charmpy-run apps/bench/soak.py [--messages 1e7] [--migrations 1e4]
#
# An array of `--elements-per-pe` elements per PE plays rounds. Each round main
# broadcasts play(); every element then sends small-int pings to others (each
# element receives exactly --pings per round, from senders it can name), one small
# NumPy array, awaits --calls ret=True futures, passes a token round a ring of
# Channels, and contributes to a sum and an element-wise max of a NumPy array;
# every few rounds one element sends a large array (64 KiB, 256 KiB or 1 MiB).
# Main also broadcasts a tick() it does not wait for (broadcasts are delivered in
# order: each element checks the numbers). Some elements call migrate() at the end of
# a round while the next round's messages are already on their way to them, and
# every so often all of them call AtSync() for a load-balancing step (RotateLB by
# default, so every element moves). Half the --migrations budget goes to each.
#
# Checks, failing the run at once (an uncaught exception aborts the job): each ping
# is delivered once (count and checksum per round; one arriving for a finished round
# is an error), payloads intact, futures right, channel tokens in order, broadcasts
# in order, reductions right, every migration arrives once (migrated() counts), and
# at the end the messages sent equal the messages received.
#
# Memory: after --warmup (10 %) of the rounds and at the end, on quiescence, every PE
# collects garbage and reads its current RSS (/proc/self/smaps, not the max RSS). The
# run fails (exit 1) if any PE's RSS, less MPI's shared-memory segments, grew by
# --rss-threshold percent (1 %) or more after warm-up. Those segments (fixed size, 4
# MiB per process with OpenMPI) fill page by page as bursts of messages first reach
# them: bounded, and not the program's memory; the table shows them and the total
# RSS growth too. It also shows, warm-up -> end, the bytes malloc has handed out and
# not had back (mallinfo2: the C++ runtime's and Python's larger allocations; flat
# while RSS grows = the allocator's high-water mark, not a leak).
# --malloc-trim returns free heap to the system before each sample (a
# growth that disappears with it is fragmentation, not a leak); --tracemalloc also
# reports the bytes Python allocations hold at both points, and where the blocks
# that grew most were allocated.
#
# "Messages" are application messages delivered to a chare: entry-method calls
# (each broadcast counted once per element it reaches), future replies, channel
# messages. Reduction and runtime-internal messages are not counted.
import argparse
import ctypes
import gc
import os
import sys
import time

import numpy as np
from charmpy import charm, Chare, Group, Array, Channel, Reducer, Future, coro

LARGE_EVERY = 4                                      # rounds between large arrays
LARGE_SIZES = (64 * 1024, 256 * 1024, 1024 * 1024)   # bytes, in turn
TRACE_FRAMES = 6                                     # frames kept by --tracemalloc
SMALL_LEN = 16                                       # float64 values of the small arrays
PAGE = os.sysconf('SC_PAGE_SIZE')
libc = ctypes.CDLL(None)

# The large arrays are filled in this PE's buffer (sent copies: a call copies a
# writable array at the call), not in the elements: 1 MiB travelling with each element
# would make a PE's RSS follow how many elements it holds.
large_buffer = np.zeros(max(LARGE_SIZES) // 8)

# This PE's application message counts (all the elements that ran here).
pe_sent = 0
pe_received = 0


def parse_args(argv):
    p = argparse.ArgumentParser(prog='soak.py', description='charmpy soak: messages, '
                                'migrations and RSS over a long run')
    p.add_argument('--messages', type=float, default=1e7, help='application messages in total (1e7)')
    p.add_argument('--migrations', type=float, default=1e4, help='element migrations in total (1e4)')
    p.add_argument('--elements-per-pe', type=int, default=8)
    p.add_argument('--pings', type=int, default=16, help='small-int pings each element receives per round')
    p.add_argument('--calls', type=int, default=2, help='ret=True calls each element awaits per round')
    p.add_argument('--warmup', type=float, default=0.1, help='fraction of the rounds before the first RSS sample')
    p.add_argument('--samples', type=int, default=10, help='RSS samples printed along the run (trend)')
    p.add_argument('--rss-threshold', type=float, default=1.0,
                   help='fail if any PE grows by this many percent or more after warm-up (1.0)')
    p.add_argument('--malloc-trim', action='store_true', help='malloc_trim(0) before each RSS sample')
    p.add_argument('--tracemalloc', action='store_true', help='also report Python-traced bytes')
    return p.parse_args(argv)


def check(ok, what, *details):
    if not ok:
        raise AssertionError('soak check failed: ' + what + (': %r' % (details,) if details else ''))


def ping_shift(r, k, n):
    """Ping k of round r goes from element i to (i + shift) % n: a permutation, so each
    element receives exactly one ping k per round, from (j - shift) % n."""
    return (r * 7 + k * 3 + 1) % n


def ping_value(r, sender, k):
    return r * 1000003 + sender * 1009 + k


def large_plan(r, n):
    """(sender, receiver, bytes) of round r's large array, or None."""
    if r % LARGE_EVERY:
        return None
    step = r // LARGE_EVERY
    sender = step % n
    return sender, (sender + n // 2) % n, LARGE_SIZES[step % len(LARGE_SIZES)]


def rss_bytes():
    """(current RSS, the part of it in MPI's shared-memory segments), from /proc/self/smaps.

    The segments (/dev/shm: OpenMPI's vader transport maps a 4 MiB one per process and
    those of its peers) have a fixed size; their pages count in RSS from the first time
    a burst of messages reaches them, so they climb in steps until every page has
    been used once. That is bounded by the segments' size and is not the program's
    memory: the growth criterion leaves it out (the table shows both)."""
    rss = shm = 0
    in_shm = False
    with open('/proc/self/smaps') as f:
        for line in f:
            if line.startswith('Rss:'):
                kib = int(line.split()[1]) * 1024
                rss += kib
                if in_shm:
                    shm += kib
            elif '-' in line.split(' ', 1)[0] and not line[0].isupper():
                fields = line.split()
                in_shm = len(fields) > 5 and fields[5].startswith('/dev/shm/')
    return rss, shm


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ('arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks',
                 'fordblks', 'keepcost')]


def malloc_in_use():
    """Bytes glibc malloc has handed out and not had back (heap + mmapped chunks; the
    C++ runtime's and Python's allocations alike), or -1 without mallinfo2. RSS
    growing while this stays flat is the allocator's high-water mark or
    fragmentation, not a leak."""
    mallinfo2 = getattr(libc, 'mallinfo2', None)
    if mallinfo2 is None:
        return -1
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


class Worker(Chare):

    def __init__(self, pings, calls):
        i = self.thisIndex[0]
        self.n = n = self.thisProxy.dims[0]
        self.pings = pings
        self.calls = calls
        self.right = Channel(self, remote=self.thisProxy[(i + 1) % n])
        self.left = Channel(self, remote=self.thisProxy[(i - 1) % n])
        self.round = -1           # last round started
        self.finished = -1        # last round whose messages have all arrived
        self.tick_seen = -1       # last tick broadcast received
        self.arrived = {}         # round -> [pings, checksum, small arrays, large arrays]
        self.waiting_for = None   # the expected arrived[] entry of the round being played
        self.sent = 0
        self.received = 0
        self.moves_asked = 0
        self.arrivals = 0
        self.lb_moves = 0
        self.pe_at_sync = -1
        self.small = np.zeros(SMALL_LEN)

    # -- counting ------------------------------------------------------------
    def _got(self):
        global pe_received
        self.received += 1
        pe_received += 1

    def _sent(self, count=1):
        global pe_sent
        self.sent += count
        pe_sent += count

    def _slot(self, r):
        check(r > self.finished,
              'a message for round %d reached element %d after it finished that round' % (r, self.thisIndex[0]))
        slot = self.arrived.get(r)
        if slot is None:
            slot = self.arrived[r] = [0, 0, 0, 0]
        return slot

    # -- the round -----------------------------------------------------------
    @coro
    def play(self, r, move_below, pes, fsum, fmax):
        self._got()
        i, n = self.thisIndex[0], self.n
        check(r == self.round + 1, 'broadcasts out of order: play', r, self.round)
        self.round = r
        for k in range(self.pings):
            self.thisProxy[(i + ping_shift(r, k, n)) % n].ping(r, i, k, ping_value(r, i, k))
        self.small.fill(float(r * n + i))
        self.thisProxy[(i + r + 1) % n].small_array(r, i, self.small)
        self._sent(self.pings + 1)
        plan = large_plan(r, n)
        if plan is not None and plan[0] == i:
            count = plan[2] // 8
            np.add(np.arange(count, dtype=np.float64), float(r), out=large_buffer[:count])
            self.thisProxy[plan[1]].large_array(r, large_buffer[:count])
            self._sent()
        futures = []
        for c in range(self.calls):
            x = r * 31 + i * 7 + c
            futures.append((x, self.thisProxy[(i + r * 3 + c + 1) % n].square(x, ret=True)))
        self._sent(self.calls)
        self.right.send(r, i)
        self._sent()
        for x, f in futures:
            y = f.get()
            self._got()
            check(y == x * x, 'future value', x, y)
        token = self.left.recv()
        self._got()
        check(token == (r, (i - 1) % n), 'channel token out of order or wrong', r, token)
        # every ping, small and large array of this round, exactly
        expect_large = 1 if plan is not None and plan[1] == i else 0
        self.waiting_for = [self.pings, sum(ping_value(r, (i - ping_shift(r, k, n)) % n, k)
                                            for k in range(self.pings)), 1, expect_large]
        self.wait('self.round_complete()')
        self.waiting_for = None
        self.finished = r
        del self.arrived[r]
        self.contribute(ping_value(r, i, 0), Reducer.sum, fsum)
        self.contribute(np.array([r, i, self.sent, charm.myPe()], dtype=np.int64), Reducer.max, fmax)
        if pes > 1 and (i - r * 5) % n < move_below:
            self.moves_asked += 1
            self.migrate((charm.myPe() + 1 + (r + i) % (pes - 1)) % pes)   # once play() ends

    def round_complete(self):
        slot = self.arrived.get(self.round)
        if slot is None or slot[0] < self.waiting_for[0] or slot[3] < self.waiting_for[3] \
                or slot[2] < self.waiting_for[2]:
            return False
        check(slot == self.waiting_for, 'round %d at element %d: got [pings, checksum, small, large] %r, '
              'expected %r' % (self.round, self.thisIndex[0], slot, self.waiting_for))
        return True

    def ping(self, r, sender, k, value):
        self._got()
        check(value == ping_value(r, sender, k), 'ping payload', r, sender, k, value)
        slot = self._slot(r)
        slot[0] += 1
        slot[1] += value

    def small_array(self, r, sender, data):
        self._got()
        check(data.shape == (SMALL_LEN,) and bool(np.all(data == float(r * self.n + sender))),
              'small array payload', r, sender)
        check(sender == (self.thisIndex[0] - r - 1) % self.n, 'small array from the wrong element', r, sender)
        self._slot(r)[2] += 1

    def large_array(self, r, data):
        self._got()
        sender, receiver, size = large_plan(r, self.n)
        check(receiver == self.thisIndex[0] and data.nbytes == size and data[0] == r
              and data[-1] == r + data.size - 1 and float(data.sum()) == data.size * (r + (data.size - 1) / 2),
              'large array payload', r, data.nbytes)
        self._slot(r)[3] += 1

    def square(self, x):
        self._got()
        self._sent()   # the reply
        return x * x

    def tick(self, number, data):
        self._got()
        check(number == self.tick_seen + 1, 'broadcasts out of order: tick', number, self.tick_seen)
        check(data[0] == number and data.size == 4, 'tick payload', number)
        self.tick_seen = number

    # -- migration -----------------------------------------------------------
    def migrated(self):
        self.arrivals += 1

    def sync(self, done):
        self._got()
        self.done = done
        self.pe_at_sync = charm.myPe()
        self.AtSync()

    def resumeFromSync(self):
        if charm.myPe() != self.pe_at_sync:
            self.lb_moves += 1
        self.contribute(1, Reducer.sum, self.done)

    def totals(self, f):
        self._got()
        check(not self.arrived, 'messages for rounds not played yet', sorted(self.arrived))
        self.contribute([self.sent, self.received, self.moves_asked, self.lb_moves, self.arrivals,
                         int(self.arrivals == self.moves_asked + self.lb_moves)], Reducer.sum, f)


class Monitor(Chare):
    """One per PE: reads this PE's RSS and message counts."""

    def __init__(self, malloc_trim, trace):
        self.malloc_trim = malloc_trim
        self.trace = trace
        self.first_snapshot = self.last_snapshot = None
        if trace:
            import tracemalloc
            tracemalloc.start(TRACE_FRAMES)

    def sample(self):
        gc.collect()
        if self.malloc_trim:
            libc.malloc_trim(0)
        traced = 0
        if self.trace:
            import tracemalloc
            traced = tracemalloc.get_traced_memory()[0]
            snapshot = tracemalloc.take_snapshot()
            if self.first_snapshot is None:
                self.first_snapshot = snapshot
            else:
                self.last_snapshot = snapshot
        rss, mpi_shm = rss_bytes()
        return rss, pe_sent, pe_received, traced, malloc_in_use(), mpi_shm

    def traced_growth(self, top):
        """The `top` allocation sites (tracebacks) whose Python blocks grew most between
        the first and the last sample (with --tracemalloc)."""
        stats = self.last_snapshot.compare_to(self.first_snapshot, 'traceback')
        return ['PE %d: %+d blocks, %+d bytes, allocated at (innermost last):\n    %s'
                % (charm.myPe(), stat.count_diff, stat.size_diff, '\n    '.join(stat.traceback.format()))
                for stat in stats[:top]]


def plan_rounds(args, n, pes):
    """The number of rounds, the LB steps, and the direct migrations per round."""
    # play, pings, small array, calls and replies, channel token, tick; a large array
    per_round = n * (1 + args.pings + 1 + 2 * args.calls + 1 + 1) + 1. / LARGE_EVERY
    rounds = max(1, int(round(args.messages / per_round)))
    migrations = int(args.migrations) if pes > 1 else 0
    lb_steps = migrations // 2 // n
    direct = migrations - lb_steps * n
    check(direct <= rounds * n, 'too many migrations for %d rounds of %d elements' % (rounds, n))
    return rounds, lb_steps, direct


def main(argv):
    args = parse_args(argv[1:])
    pes = charm.numPes()
    n = args.elements_per_pe * pes
    check(n >= 2, 'need at least 2 elements')
    rounds, lb_steps, direct = plan_rounds(args, n, pes)
    warm_round = max(1, int(rounds * args.warmup))
    sample_every = max(1, (rounds - warm_round) // max(1, args.samples))
    print('soak: %d PEs, %d elements, %d rounds (about %.3g messages), %d migrations asked + %d '
          'load-balancing steps; warm-up %d rounds; RSS threshold %.2f %%'
          % (pes, n, rounds, args.messages, direct, lb_steps, warm_round, args.rss_threshold), flush=True)
    workers = Array(Worker, n, args=[args.pings, args.calls], useAtSync=True)
    monitor = Group(Monitor, args=[args.malloc_trim, args.tracemalloc])
    charm.awaitCreation(workers, monitor)
    broadcasts = 0
    ticks = 0
    tick_data = np.zeros(4)
    warm = None
    start = time.perf_counter()
    for r in range(rounds):
        move_below = direct * (r + 1) // rounds - direct * r // rounds
        fsum, fmax = Future(), Future()
        workers.play(r, move_below, pes, fsum, fmax)
        tick_data[0] = ticks
        workers.tick(ticks, tick_data)
        ticks += 1
        broadcasts += 2
        check(fsum.get() == sum(ping_value(r, i, 0) for i in range(n)), 'sum reduction', r)
        got = fmax.get()
        check(got[0] == r and got[1] == n - 1 and 0 <= got[3] < pes, 'max reduction', r, got)
        if lb_steps and (r + 1) * lb_steps // rounds != r * lb_steps // rounds:
            done = Future()
            workers.sync(done)
            broadcasts += 1
            check(done.get() == n, 'load-balancing step', r)
        if r + 1 == warm_round or (warm is not None and ((r + 1 - warm_round) % sample_every == 0
                                                         or r + 1 == rounds)):
            charm.waitQD()
            sample = monitor.sample(ret=True).get()
            elapsed = time.perf_counter() - start
            received = sum(s[2] for s in sample)
            print('soak: round %6d/%d  %7.1f s  %10d messages  %8.0f msg/s  RSS MiB per PE: %s'
                  % (r + 1, rounds, elapsed, received, received / elapsed,
                     ' '.join('%.2f' % (s[0] / 2**20) for s in sample)), flush=True)
            if warm is None:
                warm = sample
    elapsed = time.perf_counter() - start
    end = sample
    f = Future()
    workers.totals(f)
    broadcasts += 1
    sent, received, asked, lb_moves, arrivals, consistent = f.get()
    sent += broadcasts * n
    check(consistent == n, 'migrated() count differs from the moves on %d elements' % (n - consistent))
    check(sent == received, 'messages sent %d != received %d' % (sent, received))
    check(arrivals == asked + lb_moves, 'migrations', arrivals, asked, lb_moves)

    print('\nsoak result: %d PEs, %d elements, %d rounds, %d load-balancing steps' % (pes, n, rounds, lb_steps))
    print('%4s %13s %12s %9s %11s %11s %11s %18s %18s' % ('PE', 'RSS warm MiB', 'RSS end MiB', 'growth %',
                                                          'w/o shm %', 'msgs sent', 'msgs recv',
                                                          'malloc in use MiB', 'MPI shm MiB')
          + ('  %16s' % 'py-traced KiB' if args.tracemalloc else ''))
    worst = 0.0
    for pe in range(pes):
        growth = 100.0 * (end[pe][0] - warm[pe][0]) / warm[pe][0]
        own_warm, own_end = warm[pe][0] - warm[pe][5], end[pe][0] - end[pe][5]
        own_growth = 100.0 * (own_end - own_warm) / own_warm
        worst = max(worst, own_growth)
        print('%4d %13.2f %12.2f %+9.2f %+11.2f %11d %11d %8.2f -> %6.2f %8.2f -> %6.2f'
              % (pe, warm[pe][0] / 2**20, end[pe][0] / 2**20, growth, own_growth, end[pe][1], end[pe][2],
                 warm[pe][4] / 2**20, end[pe][4] / 2**20, warm[pe][5] / 2**20, end[pe][5] / 2**20)
              + ('  %10.1f -> %.1f' % (warm[pe][3] / 1024, end[pe][3] / 1024) if args.tracemalloc else ''))
    if args.tracemalloc:
        for lines in monitor.traced_growth(3, ret=True).get():
            print('\n'.join(lines))
    print('messages: %d sent, %d received (%.3g s after creation, %.0f messages/s); migrations: %d '
          '(%d asked with migrate(), %d by load balancing)'
          % (sent, received, elapsed, received / elapsed, arrivals, asked, lb_moves))
    print('largest RSS growth after warm-up, MPI shared memory left out: %+.2f %% (threshold: fails at >= %.2f %%)'
          % (worst, args.rss_threshold))
    ok = worst < args.rss_threshold
    print('soak %s' % ('ok' if ok else 'FAILED: RSS grew after warm-up'), flush=True)
    charm.exit(0 if ok else 1)


if '+balancer' not in sys.argv:
    sys.argv += ['+balancer', 'RotateLB']   # every element moves at each AtSync step
charm.start(main)
