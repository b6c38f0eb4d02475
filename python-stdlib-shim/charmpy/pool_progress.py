"""The progress bars of `charm.pool` jobs started on this PE with progress=True (tqdm,
on stderr). The scheduler (PE 0) reports how many tasks are done; the caller's PE
updates its bar.
"""
import sys

import _charmpy

_MY_PE = _charmpy.my_pe()

_bars = {}          # progress key -> the caller's progress bar (this PE's jobs)
_next_bar_key = 0


def open_bar(total, what):
    """A new bar for a job of `total` tasks; returns its key (travels with the job)."""
    global _next_bar_key
    key = _next_bar_key
    _next_bar_key += 1
    _bars[key] = _new_progress_bar(total, what)
    return key


def close_bar(key):
    """The job with bar `key` was refused: its bar goes."""
    _bars.pop(key).close()


def _new_progress_bar(total, what):
    try:
        from tqdm import tqdm
    except ImportError:
        raise ImportError('%s(progress=True) draws its bar with tqdm: apt-get install '
                          'python3-tqdm' % what) from None
    return tqdm(total=total, unit='task', file=sys.stderr, mininterval=0, miniters=1,
                desc='charm.pool PE %d' % _MY_PE, dynamic_ncols=False, ncols=80)


def progress(key, done, final):
    """A progress update of one of this PE's jobs: `done` tasks; `final` once the job
    completed or failed."""
    bar = _bars.get(key)
    if bar is None:
        return
    bar.update(done - bar.n)
    if final:
        bar.close()
        del _bars[key]
