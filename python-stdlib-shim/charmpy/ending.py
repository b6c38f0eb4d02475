"""How the program ends from Python: exit codes as `sys.exit` computes them, and the
exit itself (after sending what PE 0's start-up phase still holds).

`charm.exit()` ends here, and so do a `SystemExit` escaping the entry function or a
chare's constructor (`exit()`/`sys.exit()` in them mean charm.exit).
"""
import operator
import sys

import _charmpy

from . import _startup


def exit_code(exc):
    """The process exit code of a SystemExit, as Python computes it."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write('%s\n' % (code,))
    return 1


def exit_program(code):
    """Ends the program on every PE with `code` (an int): the calls the start-up phase
    holds go out first, so that calls made before the exit are not lost."""
    _startup.before_exit()
    _charmpy.exit(operator.index(code))
