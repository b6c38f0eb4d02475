# expect-exit-code: 5
# charm.exit(5) on PE 0 ends the job with code 5 even while every other PE runs a
# 60 s Python loop and never returns to the scheduler (the job must end in seconds).
import time
from charmpy import charm, Chare, Group, Future


class Spinner(Chare):

    def spin(self, started):
        started.send(charm.myPe())
        print('PE %d spinning' % charm.myPe())  # must reach the output despite the exit
        end = time.time() + 60
        while time.time() < end:
            pass


def main(args):
    others = charm.numPes() - 1
    if others:
        started = Future(num_vals=others)
        spinners = Group(Spinner)
        for pe in range(1, charm.numPes()):
            spinners[pe].spin(started)
        got = started.get() if others > 1 else [started.get()]
        assert sorted(got) == list(range(1, charm.numPes()))
    charm.exit(5)


charm.start(main)
