"""Runs several programs that end with one JSON line and checks that they agree.

    python3 compare_runs.py --key checksum --rtol 1e-9 \
        --run "mpirun -n 2 build/bin/stencil3d-mpi --grid 16" \
        --run "mpirun -n 1 build/bin/charmpy-run apps/stencil3d/stencil3d.py --grid 16"

Every `--run` is a shell command; each must exit with 0 and print a JSON object on
its last non-empty line of standard output. The values of `--key` (several keys
may be given) must agree with the first run's to `--rtol` (relative). `--expect
KEY=VALUE` also checks a value of every run (e.g. `--expect lb=GreedyLB`).
Prints every run's values; exits non-zero with the reason on the first mismatch.
"""
import argparse
import json
import math
import subprocess
import sys


def last_json(command):
    done = subprocess.run(command, shell=True, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit('FAILED (exit code %d): %s\n--- stdout\n%s\n--- stderr\n%s'
                 % (done.returncode, command, done.stdout[-4000:], done.stderr[-4000:]))
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        sys.exit('FAILED: the last line of %r is not JSON:\n%s' % (command, done.stdout[-4000:]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--run', action='append', required=True)
    parser.add_argument('--key', action='append', default=[])
    parser.add_argument('--rtol', type=float, default=1e-9)
    parser.add_argument('--expect', action='append', default=[])
    args = parser.parse_args()
    results = [last_json(command) for command in args.run]
    for command, result in zip(args.run, results):
        print('%s\n    %s' % (command, ', '.join('%s=%r' % (k, result.get(k)) for k in args.key)))
    for key in args.key:
        reference = results[0].get(key)
        if not isinstance(reference, (int, float)) or not math.isfinite(reference):
            sys.exit('FAILED: %s of the first run is %r' % (key, reference))
        for command, result in zip(args.run[1:], results[1:]):
            value = result.get(key)
            if not isinstance(value, (int, float)) or \
                    abs(value - reference) > args.rtol * max(abs(reference), 1e-300):
                sys.exit('FAILED: %s=%r of %r differs from %r (rtol %g)'
                         % (key, value, command, reference, args.rtol))
    for expectation in args.expect:
        key, _, wanted = expectation.partition('=')
        for command, result in zip(args.run, results):
            if str(result.get(key)) != wanted:
                sys.exit('FAILED: %s=%r of %r, expected %s' % (key, result.get(key), command, wanted))
    print('all %d runs agree' % len(results))


if __name__ == '__main__':
    main()
