# expect-exit-code: 5
# sys.exit(5) in a constructor (of the entry chare class's collection) ends the program
# with code 5; charm.exit() from the entry chare is not reached.
import sys

from charmpy import charm, Chare, Group


class Failing(Chare):

    def __init__(self):
        if charm.myPe() == charm.numPes() - 1:
            sys.exit(5)


class Main(Chare):

    def __init__(self, args):
        g = Group(Failing)
        charm.awaitCreation(g)
        charm.sleep(30)
        charm.exit(0)


charm.start(Main)
