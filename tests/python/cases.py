"""Named cases for the Python tests, so that a failure says which behaviour broke.

A test file defines one function per behaviour, marked @case, and its main() ends
with run_cases(...):

    from cases import case, run_cases

    @case
    def future_set_by_another_pe(g):
        ...asserts...

    def main(args):
        g = Group(Node)
        run_cases(g)          # every case, in the order defined, gets (g)

run_cases runs on PE 0 inside main (so cases may wait on futures), prints one line
per case ("case NAME: ok (0.12 s)" or "case NAME: FAILED" with the traceback), goes
on with the next case after a failure, prints a summary naming the failed cases and
ends the job with charm.exit(0), or 1 if any failed. CHARMPY_TEST_CASES=a,b runs
only the cases named. Tests of one behaviour that ends the job in its own way (an
exit code, an abort) keep their plain main().
"""
import os
import sys
import time
import traceback

from charmpy import charm

_registered = []


def case(function):
    """Marks `function` as one named case of this test file."""
    _registered.append(function)
    return function


def _selected():
    wanted = os.environ.get('CHARMPY_TEST_CASES', '').strip()
    if not wanted:
        return list(_registered)
    names = set(name.strip() for name in wanted.split(',') if name.strip())
    unknown = names - set(f.__name__ for f in _registered)
    if unknown:
        raise SystemExit('CHARMPY_TEST_CASES names no case of this test: %s' % ', '.join(sorted(unknown)))
    return [f for f in _registered if f.__name__ in names]


def run_cases(*fixture):
    """Runs every @case with `fixture` as its arguments, reports each by name and
    ends the job: exit code 0 when all passed, 1 otherwise."""
    test = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else 'test'))[0]
    failed = []
    selected = _selected()
    for function in selected:
        start = time.time()
        try:
            function(*fixture)
        except BaseException:  # an assert, any error, also SystemExit from a case
            failed.append(function.__name__)
            print('case %s: FAILED after %.2f s' % (function.__name__, time.time() - start), flush=True)
            traceback.print_exc(file=sys.stdout)  # next to its FAILED line
            sys.stdout.flush()
        else:
            print('case %s: ok (%.2f s)' % (function.__name__, time.time() - start), flush=True)
    if failed:
        print('%s: %d of %d cases FAILED on %d PEs: %s'
              % (test, len(failed), len(selected), charm.numPes(), ', '.join(failed)), flush=True)
        charm.exit(1)
    else:
        print('%s: all %d cases ok on %d PEs' % (test, len(selected), charm.numPes()), flush=True)
        charm.exit(0)
