# Doc page: charm-api.rst, charm.abort(message). Behaviour asserted (by the ctest that
# runs this program): called from a chare on any PE, it ends the whole job with a
# non-zero exit code, printing the message (the test greps for it).
from charmpy import charm, Chare, Group


class Quitter(Chare):

    def quit(self):
        if charm.myPe() == charm.numPes() - 1:
            charm.abort('docs abort: stopping on purpose')


def main(args):
    Group(Quitter).quit()


charm.start(main)
