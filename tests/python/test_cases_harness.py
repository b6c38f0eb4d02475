# The named-case harness (cases.py) itself: a failing case is reported by name with
# its traceback, the cases after it still run, and the job ends with code 1. The
# ctest python_cases_harness_report_np2 checks the report's lines.
# expect-exit-code: 1
from charmpy import charm, Chare, Group

from cases import case, run_cases


class Echo(Chare):

    def echo(self, x):
        return x


@case
def first_case_passes(g):
    assert g[charm.numPes() - 1].echo(7, ret=True).get() == 7


@case
def deliberately_failing_case(g):
    assert g[0].echo(1, ret=True).get() == 2, 'the deliberate failure'


@case
def case_after_a_failure_still_runs(g):
    assert g.echo(3, ret=True).get() == [3] * charm.numPes()


def main(args):
    run_cases(Group(Echo))


charm.start(main)
