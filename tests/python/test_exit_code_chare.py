# expect-exit-code: 3
# sys.exit(3) inside an entry method on the last PE ends the whole program with code 3.
import sys

from charmpy import charm, Chare, Group, Future


class Quitter(Chare):

    def quit(self, code):
        if charm.myPe() == charm.numPes() - 1:
            sys.exit(code)


def main(args):
    Group(Quitter).quit(3)
    Future().get()       # never set: the program ends from the chare
    raise AssertionError('not reached')


charm.start(main)
