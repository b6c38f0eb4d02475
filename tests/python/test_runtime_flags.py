# Charm-style +flags belong to the runtime: they are removed from sys.argv (also
# when the program appends them before charm.start) and recorded; unknown ones get
# a warning, not a crash. ctest also runs this file with flags on the command line.
import sys

import _charmpy
from charmpy import charm

from cases import case, run_cases

sys.argv += ['+balancer', 'GreedyLB', '+LBPeriod', '0.5', 'keep-me', '+LBOff', '++quiet',
             '+definitely-unknown-flag']


@case
def runtime_flags_removed_from_sys_argv(args):
    assert args is sys.argv or args == sys.argv, (args, sys.argv)
    assert sys.argv[0].endswith('test_runtime_flags.py'), sys.argv
    assert [a for a in sys.argv[1:] if a.startswith('+')] == [], sys.argv
    assert 'keep-me' in sys.argv, sys.argv


@case
def runtime_flags_recorded_and_unknown_ones_dropped(args):
    flags = _charmpy.runtime_flags()
    assert flags['balancer'].split(',')[-1] == 'GreedyLB', flags
    assert flags['LBPeriod'] == '0.5', flags
    assert flags['LBOff'] is True and flags['quiet'] is True, flags
    assert 'definitely-unknown-flag' not in flags, flags
    assert charm.options.quiet


@case
def command_line_flags_recorded_before_the_programs_own(args):
    flags = _charmpy.runtime_flags()
    if '--expect-cmdline-flags' in sys.argv:
        assert flags['balancer'].split(',')[0] == 'RotateLB', flags
        assert flags['LBDebug'] == '2', flags
        assert sys.argv[1:3] == ['first', '--expect-cmdline-flags'], sys.argv


def main(args):
    run_cases(args)


charm.start(main)
