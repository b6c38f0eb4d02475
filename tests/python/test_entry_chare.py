# The entry is a chare class: constructed once on PE 0 with the argv list, as a
# coroutine (it may wait), with thisIndex (0,) and thisProxy its own proxy. Readonlies
# it sets (also after creating chares and calling them) are seen by those chares.
import sys

from charmpy import charm, Chare, Group, Array
from charmpy import readonlies as ro


class Hello(Chare):

    def sayHi(self, count):
        # ro.mainProxy and ro.byes are set by Main after this group was created and after
        # this call was made: the start-up phase still delivers them first.
        ro.byes[self.thisIndex].sayBye(count)


class Goodbye(Chare):

    def sayBye(self, count):
        ro.mainProxy.done(self.thisIndex, count)


class Worker(Chare):

    def square(self, x):
        return x * x


class Main(Chare):

    def __init__(self, args):
        assert args == sys.argv and args[0].endswith('test_entry_chare.py'), args
        assert charm.myPe() == 0
        assert self.thisIndex == (0,)
        self.received = []
        hellos = Group(Hello)
        hellos.sayHi(5)
        ro.byes = Group(Goodbye)
        ro.mainProxy = self.thisProxy
        # the constructor is a coroutine: it may wait
        w = Array(Worker, 3)
        assert w.square(3, ret=True).get() == [9, 9, 9]
        assert self.thisProxy == ro.mainProxy

    def done(self, pe, count):
        assert count == 5
        self.received.append(pe)
        if len(self.received) == charm.numPes():
            assert sorted(self.received) == list(range(charm.numPes()))
            self.thisProxy.finish()

    def finish(self):
        print('test_entry_chare: ok on %d PEs' % charm.numPes())
        charm.exit(0)


charm.start(Main)
