# Known difference from charm4py 1.1 (not run by ctest). rules.rst: "[the] recipient of
# a broadcast message and there are multiple recipients on the same process. In this
# case, all of them receive references to the same Python objects", and "The same is
# true [arguments passed by reference] for destinations of a section broadcast that are
# in the same process as the source" (with charm.options.local_msg_optim = True).
# charm4py unpickles a broadcast once per PE (recvArrayBcast); charmpy unpickles the
# arguments once per element (embed/python_chare.cc), and section broadcasts to members
# on the caller's PE are copies. Prints what each PE saw; charm4py: one id per PE, and
# the caller's id on PE 0 for the section broadcast.
from charmpy import charm, Chare, Array

charm.options.local_msg_optim = True


class Holder(Chare):

    def keep(self, obj):
        self.kept = obj

    def keptId(self):
        return charm.myPe(), id(self.kept)


def main(args):
    n = charm.numPes()
    a = Array(Holder, 3 * n)
    shared = {'payload': [1, 2, 3]}
    for label, proxy in (('broadcast', a), ('section broadcast', a[0:3 * n])):
        proxy.keep(shared, awaitable=True).get()
        ids = {}
        for pe, obj_id in a.keptId(ret=True).get():
            ids.setdefault(pe, set()).add(obj_id)
        print('%s: distinct argument objects per PE: %s; caller object shared on PE 0: %s'
              % (label, {pe: len(s) for pe, s in ids.items()}, id(shared) in ids[0]))
    charm.exit(0)


charm.start(main)
