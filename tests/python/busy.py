"""Measurable work for the load-balancing tests: a busy loop (not a sleep), so the
runtime's load meter sees the time as spent in the calling object."""
import time


def spin(seconds):
    """Computes for `seconds` of wall time."""
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x
