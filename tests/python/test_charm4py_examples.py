# Hello world written as charm4py's examples are (in the spirit of examples/hello):
# a group says hello and reports to a future, then an array passes a hello along its
# elements, and the last element ends the program with exit().
from charm4py import charm, Chare, Group, Array, Future, coro
from charm4py import readonlies as ro
import time


class HelloGroup(Chare):

    def SayHi(self, future):
        print('Hello from PE', charm.myPe(), 'on', time.strftime('%c'))
        future.send(charm.myPe())


class Hello(Chare):

    def __init__(self):
        print('Hello', self.thisIndex, 'created on PE', charm.myPe())

    def SayHi(self, hiNo):
        print('Hi[' + str(hiNo) + '] from element', self.thisIndex, 'on PE', charm.myPe())
        if self.thisIndex == ro.lastIdx:
            assert hiNo == ro.numElements - 1
            print('All done')
            exit()
        else:
            nextIndex = list(self.thisIndex)
            for i in range(ro.nDims - 1, -1, -1):
                nextIndex[i] = (nextIndex[i] + 1) % ro.ARRAY_SIZE[i]
                if nextIndex[i] != 0:
                    break
            return self.thisProxy[nextIndex].SayHi(hiNo + 1)


class Main(Chare):

    @coro
    def __init__(self, args):
        print('Running Hello on', charm.numPes(), 'processors')
        # readonlies are set before the first suspension (the f.get() below)
        ro.nDims = 2
        ro.ARRAY_SIZE = [2, charm.numPes() + 1]
        ro.lastIdx = tuple(x - 1 for x in ro.ARRAY_SIZE)
        ro.numElements = ro.ARRAY_SIZE[0] * ro.ARRAY_SIZE[1]
        f = Future(num_vals=charm.numPes())
        Group(HelloGroup).SayHi(f)
        pes = f.get()
        pes = sorted(pes) if charm.numPes() > 1 else [pes]
        assert pes == list(range(charm.numPes()))

        arr = Array(Hello, ro.ARRAY_SIZE)
        charm.awaitCreation(arr)
        arr[0, 0].SayHi(0)


charm.start(Main)
