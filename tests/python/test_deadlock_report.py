# expect-exit-code: 1
# No silent hangs (issue 14): a coroutine that waits for what nobody will ever send
# ends the job, non-zero, within seconds of the job going quiet, with a report naming
# the PE, the chare and method, the file:line where it waits and what it waits for.
#   charmpy-run test_deadlock_report.py [future|channel|when|wait]   (default: future)
# The stuck coroutine runs on the last PE; the entry function waits for its result,
# so it is reported too. CMakeLists.txt checks the report of each case.
import sys
from charmpy import charm, Chare, Array, Future, Channel, coro, when


class Waiter(Chare):

    def __init__(self):
        self.iteration = 0
        self.ready = False

    @coro
    def wait_future(self):
        never_set = Future()
        return never_set.get()  # nobody sets it

    @coro
    def listen(self):
        ch = Channel(self, remote=self.thisProxy[1])
        return ch.recv()  # element 1 never opens its end nor sends

    @when('self.iteration == it')
    def step(self, it):  # called with it=5 while iteration stays 0
        return it

    @coro
    def wait_ready(self):
        self.wait('self.ready')  # nobody sets ready


def main(args):
    case = args[1] if len(args) > 1 else 'future'
    last = charm.numPes() - 1
    if case == 'channel':
        waiters = Array(Waiter, 2)
        waiters[0].listen(ret=True).get()
    else:
        waiter = Chare(Waiter, onPE=last)
        charm.awaitCreation(waiter)
        if case == 'future':
            waiter.wait_future(ret=True).get()
        elif case == 'when':
            waiter.step(5, ret=True).get()
        elif case == 'wait':
            waiter.wait_ready(ret=True).get()
        else:
            raise SystemExit('unknown case %r' % case)
    print('deadlock test: UNREACHABLE: the waits above never end')
    charm.exit(0)


charm.start(main)
