# An exception escaping an entry method called without a future ends the job: the
# PE, the chare, the method and the traceback are printed and mpirun exits non-zero
# (1) instead of hanging.
# expect-exit-code: 1
from charmpy import charm, Chare, Group


class Faulty(Chare):

    def explode(self):
        if charm.myPe() == charm.numPes() - 1:
            raise KeyError('deliberate failure in an entry method')


def main(args):
    g = Group(Faulty)
    g.explode()
    charm.waitQD()          # never completes: the last PE aborts the job first
    charm.exit(0)


charm.start(main)
