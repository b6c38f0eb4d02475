# Doc pages: tutorial.rst, introduction.rst, readonlies-api.rst and the "wait" / "when" /
# "threaded" parts of the older chare-api.rst. Behaviours asserted:
#  - the main function runs on PE 0 and gets the command-line arguments;
#  - Group(MyChare) + Array(MyChare, 3) + Array(MyChare, (2, 2)) construct P + 3 + 4
#    chares, and charm.awaitCreation waits for all of them;
#  - my_group[3].work(x), my_array[10, 10].work(x) address single elements; an element
#    proxy can be stored and reused; proxies can be sent as arguments;
#  - futures from ret=True: get() returns the method's return value; get() suspends
#    only the caller (other work, even of the same chare, goes on);
#  - self.contribute(3, Reducer.sum, self.thisProxy[0].collectResult) gives 3 * P;
#    NumPy array contributions are summed element-wise ([0, 1, 2] -> [0, P, 2P]);
#  - hellos.SayHi(ret=True).get() waits for the broadcast; contribute(None, None,
#    future) to a charm.createFuture() future does the same explicitly;
#  - thisIndex is an int for groups (the PE), a tuple for arrays;
#  - readonlies set in main are visible in the constructors of chares created afterwards
#    on every PE (ro.x, ro.y);
#  - the introduction's channel ping (ch.send / ch.recv between elements 0 and 1) and
#    the `done` future called by element 0;
#  - @when('condition on self and on the arguments') delays a method until it holds;
#    self.wait('condition') suspends a coroutine until it holds; @threaded is @coro.
import numpy as np

from charmpy import charm, Chare, Group, Array, Reducer, Future, Channel, coro, when, threaded
from charmpy import readonlies as ro

created = 0


class MyChare(Chare):

    def __init__(self):
        global created
        created += 1
        self.data = np.zeros(3)
        self.seen = (ro.x, ro.y)
        self.step = 0
        self.log = []

    def createdHere(self):
        return created

    def readonliesSeen(self):
        return self.seen

    def apply(self, x):
        self.data += x
        return self.data.copy()

    def work(self, data):
        self.contribute(data, Reducer.sum, self.thisProxy[0].collectResult)

    def workArray(self, target):
        self.contribute(np.array([0, 1, 2]), Reducer.sum, target.collectArray)

    def collectResult(self, result):
        self.result = result

    def collectArray(self, a):
        self.result = a

    def getResult(self):
        return self.result

    def SayHi(self, future=None):
        if future is not None:
            self.contribute(None, None, future)
        return self.thisIndex

    def sendProxy(self, proxy):
        return proxy.apply(0, ret=True).get()[0]

    sendProxy = coro(sendProxy)

    @when('self.step == step')
    def ordered(self, step, value):
        self.log.append(value)
        self.step += 1

    def getLog(self):
        return self.log

    @threaded
    def waitForStep(self, step):
        self.wait('self.step >= %d' % step)
        return self.step

    @coro
    def ping(self, done):
        if self.thisIndex == (0,):
            ch = Channel(self, remote=self.thisProxy[1])
            ch.send('hello world')
            assert ch.recv() == 'back'
            done()
        else:
            ch = Channel(self, remote=self.thisProxy[0])
            assert ch.recv() == 'hello world'
            ch.send('back')


def main(args):
    n = charm.numPes()
    assert charm.myPe() == 0 and isinstance(args, list)
    ro.x = 3
    ro.y = 5

    my_group = Group(MyChare)
    my_array = Array(MyChare, 3)
    my_2d_array = Array(MyChare, (2, 2))
    charm.awaitCreation(my_group, my_array, my_2d_array)
    assert sum(my_group.createdHere(ret=True).get()) == n + 3 + 4
    assert my_group.readonliesSeen(ret=True).get() == [(3, 5)] * n
    assert my_array.readonliesSeen(ret=True).get() == [(3, 5)] * 3

    assert list(my_2d_array[1, 1].apply(2, ret=True).get()) == [2, 2, 2]
    elem = my_2d_array[1, 1]
    f1 = elem.apply(1, ret=True)
    f2 = my_array[2].apply(7, ret=True)
    assert list(f1.get()) == [3, 3, 3] and list(f2.get()) == [7, 7, 7]
    assert my_group[n - 1].sendProxy(my_array[2], ret=True).get() == 7

    my_group.work(3)
    charm.waitQD()
    assert my_group[0].getResult(ret=True).get() == 3 * n
    my_array.workArray(my_group[0])
    charm.waitQD()
    assert list(my_group[0].getResult(ret=True).get()) == [0, 3, 6]

    assert my_group.SayHi(ret=True).get() == list(range(n))
    assert my_array.SayHi(ret=True).get() == [(0,), (1,), (2,)]
    f = charm.createFuture()
    my_group.SayHi(f)
    assert f.get() is None

    pair = Array(MyChare, 2)
    done = Future()
    pair.ping(done)
    assert done.get() is None

    waiter = my_array[1].waitForStep(3, ret=True)
    for step in (2, 0, 1):
        my_array[1].ordered(step, 'v%d' % step)
    assert waiter.get() == 3
    assert my_array[1].getLog(ret=True).get() == ['v0', 'v1', 'v2']

    print('docs_tutorial: ok on %d PEs' % n)
    charm.exit(0)


charm.start(main)
