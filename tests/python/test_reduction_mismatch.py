# Contributions that cannot be combined end the job with an error naming the
# reduction and both sides, never a silently wrong result or a hang: here a
# (2, 3) and a (3, 2) NumPy array summed by two elements, which are on one PE
# (the second contribution raises ValueError) or on two (the runtime refuses the
# partial). tests/python/CMakeLists.txt runs the other cases, given as the first
# argument, on 2 PEs and checks the message:
#   shapes     contribute, NumPy arrays of shapes (2, 3) and (3, 2)
#   allreduce  allreduce, the same arrays (exchanged pairwise between PEs)
#   types      contribute, an int and floats
#   kinds      allreduce, a number and lists
#   lengths    contribute over a section, lists of 3 and 4 floats
#   python     contribute, lists of strings of different lengths (combined in
#              Python at the root)
# expect-exit-code: 1
import sys

import numpy as np
from charmpy import charm, Chare, Array, Reducer, Future, coro


class Mismatch(Chare):

    @coro
    def go(self, case, f, section=None):
        first = self.thisIndex[0] == 0
        if case == 'shapes':
            self.contribute(np.ones((2, 3) if first else (3, 2)), Reducer.sum, f)
        elif case == 'types':
            self.contribute(1 if first else 1.5, Reducer.sum, f)
        elif case == 'lengths':
            self.contribute([1.0] * (3 if first else 4), Reducer.max, f, section=section)
        elif case == 'python':
            self.contribute(['a'] * (2 if first else 1), Reducer.sum, f)
        elif case == 'allreduce':
            f.send(self.allreduce(np.ones((2, 3) if first else (3, 2)), Reducer.sum).get())
        elif case == 'kinds':
            f.send(self.allreduce(1.0 if first else [1.0], Reducer.sum).get())


def main(args):
    case = sys.argv[1] if len(sys.argv) > 1 else 'shapes'
    a = Array(Mismatch, 2)
    f = Future()
    a.go(case, f, a[0:2] if case == 'lengths' else None)
    result = f.get()  # never: the job ends first
    print('a mismatched reduction gave %r' % (result,))
    charm.exit(0)


charm.start(main)
