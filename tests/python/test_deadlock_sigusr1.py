# `kill -USR1` to mpirun (which forwards it to every rank) makes every PE print where
# it runs and what its coroutines wait for, then go on (issue 14). Here the last PE
# spins in a Python loop while the entry function waits for its result; the
# program then ends normally. Run alone it just completes; CMakeLists.txt sends
# the signal once the loop runs (tests/python/check_sigusr1.sh).
import sys
import time
from charmpy import charm, Chare


class Spinner(Chare):

    def spin_for(self, seconds):
        print('sigusr1 test: PE %d spinning' % charm.myPe())
        sys.stdout.flush()
        end = time.time() + seconds
        while time.time() < end:
            pass
        return 'done'


def main(args):
    seconds = float(args[1]) if len(args) > 1 else 2.0
    spinner = Chare(Spinner, onPE=charm.numPes() - 1)
    assert spinner.spin_for(seconds, ret=True).get() == 'done'
    print('sigusr1 test: finished')
    charm.exit(0)


charm.start(main)
