"""What the benchmark suite's parts share (apps/bench/run, bench_stencil3d.py):
running a program that ends with one JSON line, running cases in turns and taking
medians, the mpirun command lines of the flavours, and the median of repeated
JSON results."""
import copy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PES = 2
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT='1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM='1')


def run_json(command, echo=True):
    """Runs `command`, echoing its output (unless echo is False), and returns the
    JSON object on its last non-empty line."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    last = ''
    for line in proc.stdout:
        if echo:
            sys.stdout.write(line)
            sys.stdout.flush()
        if line.strip():
            last = line
    if proc.wait() != 0:
        raise SystemExit('bench: %s failed (exit code %d)' % (' '.join(command), proc.returncode))
    return json.loads(last)


def median_runs(commands, repeats, key):
    """Runs each mini-app command of `commands` (label -> command) `repeats` times,
    taking turns (one run of each, then again), so that the VM's speed drifting
    over minutes weighs on every case alike; label -> the JSON of the run with the
    median `key`, plus all of them."""
    runs = {label: [] for label in commands}
    for _ in range(repeats):
        for label, command in commands.items():
            runs[label].append(run_json(command, echo=False))
    medians = {}
    for label, these in runs.items():
        these.sort(key=lambda r: r[key])
        medians[label] = dict(these[len(these) // 2])
        medians[label][key + '_runs'] = [r[key] for r in these]
    return medians


def median_of_leaves(results):
    """One JSON object from several of the same shape: every number replaced by the
    median of that number over the results (ratios too: each ratio was measured
    within one run, ours next to the reference, and the median of those is taken),
    anything else taken from the first."""
    def merge(values):
        first = values[0]
        if isinstance(first, dict):
            return {k: merge([v[k] for v in values if isinstance(v, dict) and k in v])
                    for k in first}
        if isinstance(first, (int, float)) and not isinstance(first, bool):
            numbers = sorted(v for v in values if isinstance(v, (int, float)))
            return numbers[len(numbers) // 2]
        return copy.deepcopy(first)
    return merge(results)


def repeated_script(name, build, repeats):
    """Runs apps/bench/`name` (a script that runs ours and the reference back to back
    and ends with one JSON line) `repeats` times, echoing the first run's table, and
    returns the median of every figure (median_of_leaves) with the run count."""
    runs = [run_json(['bash', os.path.join(HERE, name), build], echo=(i == 0))
            for i in range(repeats)]
    merged = median_of_leaves(runs)
    merged['runs'] = repeats
    if repeats > 1:
        print('medians of %d runs (the table above is the first):' % repeats)
        for key, value in merged.items():
            if key.startswith('ratio') or key.startswith('same_pe'):
                print('  %s: %s' % (key, json.dumps(value)))
    return merged


def mpirun(build, program, args, python=False, charmpy=False):
    if charmpy:
        return ['mpirun', '-n', str(PES), os.path.join(build, 'bin', 'charmpy-run'), program] + args
    if python:
        return ['mpirun', '-n', str(PES), '/usr/bin/python3', program] + args
    return ['mpirun', '-n', str(PES), os.path.join(build, 'bin', program)] + args
