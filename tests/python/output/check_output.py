"""Runs tests/python/output/flood.py under mpirun with stdout and stderr on pipes (as
in a shell pipeline, PYTHONUNBUFFERED unset) and checks that each PE's output came out
as whole lines, all of them, in order.

    python3 check_output.py MPIEXEC CHARMPY_RUN PES CASE [N]

Exits 0 when the output is right, else prints what is wrong (and the start of the
offending output) and exits 1.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(mpiexec, runner, pes, case, n):
    env = dict(os.environ)
    env.pop('PYTHONUNBUFFERED', None)
    cmd = [mpiexec, '-n', str(pes), '--oversubscribe', runner, os.path.join(HERE, 'flood.py'), case]
    if n is not None:
        cmd.append(str(n))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=110)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


class Failure(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failure(what)


def sequences(lines, tag, pattern):
    """Per PE, the numbers i of the lines `TAG PE i ...`, in arrival order; and the
    lines holding `tag` that do not match `pattern` as a whole (torn ones)."""
    seen, torn = {}, []
    for line in lines:
        if tag not in line:
            continue
        m = pattern.fullmatch(line)
        if m is None:
            torn.append(line)
        else:
            seen.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    return seen, torn


def check_all_in_order(seen, pes, n, what):
    for pe in pes:
        got = seen.get(pe, [])
        expect(got == list(range(n)),
               '%s of PE %d: %d lines, first wrong at %s' % (what, pe, len(got),
               next((i for i, (a, b) in enumerate(zip(got, range(n))) if a != b), len(got))))


FLOOD = re.compile(r'FLOOD (\d+) (\d+) (x*)')
STDERR = re.compile(r'STDERR (\d+) (\d+) (y*)')
LINE = re.compile(r'LINE (\d+) (\d+)')


def check_flood(code, out, err, pes, n):
    expect(code == 0, 'exit code %d' % code)
    lines = out.split('\n')
    seen, torn = sequences(lines, 'FLOOD', FLOOD)
    expect(not torn, '%d torn stdout lines, e.g. %r' % (len(torn), torn[:3]))
    for line in lines:  # each FLOOD line has exactly its x's
        m = FLOOD.fullmatch(line)
        if m:
            expect(len(m.group(3)) == int(m.group(2)) % 97, 'wrong line %r' % line)
    check_all_in_order(seen, range(pes), n, 'stdout')
    results = [line for line in lines if 'done' in line]
    expect(len(results) == 1, 'result lines: %r' % results[:3])
    expect(results[0].startswith('{') and json.loads(results[0]) == {'done': True, 'lines_per_pe': n, 'pes': pes},
           'result line %r' % results[0])
    errs, torn = sequences(err.split('\n'), 'STDERR', STDERR)
    expect(not torn, '%d torn stderr lines, e.g. %r' % (len(torn), torn[:3]))
    for pe in range(pes):
        expect(errs.get(pe, []) == list(range(0, n, 10)), 'stderr of PE %d: %d lines, not all or not in order'
               % (pe, len(errs.get(pe, []))))


def check_lines(out, pe, n):
    seen, torn = sequences(out.split('\n'), 'LINE', LINE)
    expect(not torn, 'torn lines %r' % torn[:3])
    check_all_in_order(seen, [pe], n, 'stdout')


def main(argv):
    mpiexec, runner, pes, case = argv[1], argv[2], int(argv[3]), argv[4]
    n = int(argv[5]) if len(argv) > 5 else None
    code, out, err = run(mpiexec, runner, pes, case, n)
    last = pes - 1
    try:
        if case == 'flood':
            check_flood(code, out, err, pes, n)
        elif case in ('exit_after', 'busy_exit'):
            expect(code == 0, 'exit code %d' % code)
            check_lines(out, last, n)
        elif case == 'partial':
            expect(code == 0, 'exit code %d' % code)
            expect(('PARTIAL %d no newline' % last) in out.split('\n'), 'the partial line is missing or torn')
        elif case == 'partial0':
            expect(code == 0, 'exit code %d' % code)
            check_lines(out, last, n)
            expect('PARTIAL 0 no newline' in out.split('\n'), 'the partial line is missing or torn')
        elif case in ('exception', 'abort', 'busy_exception'):
            expect(code != 0, 'exit code 0 after an uncaught %s' % case)
            check_lines(out, last, n)
            if case in ('exception', 'busy_exception'):
                expect(('ValueError: deliberate failure on PE %d' % last) in err.split('\n'), 'no traceback line')
                expect(re.search(r'^charm: abort on PE %d: .*Printer\.(exception|busy)' % last, err, re.M),
                       'no abort line naming the method')
            else:
                expect(re.search(r'^charm: abort on PE %d: deliberate abort on PE %d$' % (last, last), err, re.M),
                       'no abort line')
                expect('charm.abort() on PE %d, Python stack' % last in err, 'no Python stack')
        else:
            raise Failure('unknown case %r' % case)
    except Failure as e:
        print('FAIL %s on %d PEs: %s' % (case, pes, e))
        print('--- stdout (start) ---\n%s\n--- stderr (start) ---\n%s' % (out[:2000], err[:3000]))
        return 1
    print('ok %s on %d PEs (%d stdout bytes, %d stderr bytes)' % (case, pes, len(out), len(err)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
