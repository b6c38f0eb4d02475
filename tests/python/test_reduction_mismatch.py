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
# An allreduce some of whose elements' data is combined in C (exchanged pairwise)
# and others' in Python (at the root) used to hang, each half waiting for the
# other; now the job ends naming both:
#   fraction   allreduce, a Fraction and an int
#   product    allreduce, a product of a NumPy array and of a Python number
#   float16    allreduce, float16 and float32 arrays (float16 is combined in Python)
#   gather     allreduce, Reducer.gather and Reducer.sum
#   local      allreduce, a Fraction and an int from two elements on one PE (the
#              second allreduce raises ValueError)
#   overflow   contribute to a proxy method, lists of ints whose sum leaves int64
#              (charm4py gives an int64 array): OverflowError naming the reduction
# expect-exit-code: 1
import sys
from fractions import Fraction

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
        elif case in ('fraction', 'local'):
            f.send(self.allreduce(Fraction(1, 2) if first else 1, Reducer.sum).get())
        elif case == 'product':
            f.send(self.allreduce(np.ones(2) if first else 2, Reducer.product).get())
        elif case == 'float16':
            f.send(self.allreduce(np.ones(2, dtype=np.float16 if first else np.float32), Reducer.sum).get())
        elif case == 'gather':
            f.send(self.allreduce(1, Reducer.gather if first else Reducer.sum).get())
        elif case == 'overflow':
            self.contribute([2 ** 62, 1], Reducer.sum, self.thisProxy[0].done)

    def done(self, result):
        print('an overflowing reduction gave %r' % (result,))


def main(args):
    case = sys.argv[1] if len(sys.argv) > 1 else 'shapes'
    a = Array(Mismatch, 4 if case == 'local' else 2)  # local: elements 0 and 1 on PE 0
    f = Future()
    a.go(case, f, a[0:2] if case == 'lengths' else None)
    result = f.get()  # never: the job ends first
    print('a mismatched reduction gave %r' % (result,))
    charm.exit(0)


charm.start(main)
