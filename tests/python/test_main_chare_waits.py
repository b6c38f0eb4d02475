# The entry is a chare class (charm.start(Main)) whose constructor, not marked @coro,
# waits in every way charm4py allows, first with Chare.wait on a condition that the
# chares it created make true by calling it back (their calls were made before the
# wait, and a readonly is set): then Future.get, charm.awaitCreation, charm.wait,
# charm.iwait, Channel.recv, charm.sleep, and a @coro method of its own called through
# thisProxy. Main gets messages while its constructor is suspended, and after it has
# returned (done(), called by other chares, ends the program).
import sys

from charmpy import charm, Chare, Group, Array, Future, Channel, coro
from charmpy import readonlies as ro


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Worker(Chare):

    def report(self):
        ro.main.reported(self.thisIndex[0])

    def square(self, x):
        return x * x

    @coro
    def talk(self, main):
        ch = Channel(self, remote=main)
        ch.send('ping', self.thisIndex[0])
        return ch.recv()

    def finish(self):
        ro.main.done()


class Slow(Chare):

    @coro
    def __init__(self):
        charm.sleep(0.05)
        self.ready = True

    def is_ready(self):
        return self.ready


def chare_wait(main):
    main.workers.report()
    main.wait('len(self.reported_by) == %d' % main.n)
    check(sorted(main.reported_by) == list(range(main.n)), 'reports: %r' % main.reported_by)


def future_get(main):
    check(main.workers[main.n - 1].square(7, ret=True).get() == 49, 'Future.get')


def await_creation(main):
    slow = Group(Slow)
    charm.awaitCreation(slow)
    check(slow.is_ready(ret=True).get() == [True] * charm.numPes(), 'awaitCreation waits for constructors')


def charm_wait(main):
    fs = [main.workers[i].square(i, ret=True) for i in range(main.n)]
    charm.wait(fs)
    check(all(f.ready() for f in fs), 'charm.wait: every future ready')
    check([f.get() for f in fs] == [i * i for i in range(main.n)], 'charm.wait values')


def charm_iwait(main):
    fs = [main.workers[i].square(i, ret=True) for i in range(main.n)]
    check(sorted(f.get() for f in charm.iwait(fs)) == [i * i for i in range(main.n)], 'charm.iwait')


def channel_recv(main):
    peer = main.workers[main.n - 1]
    ch = Channel(main, remote=peer)
    answer = peer.talk(main.thisProxy, ret=True)
    check(ch.recv() == ('ping', main.n - 1), 'Channel.recv')
    ch.send('pong')
    check(answer.get() == 'pong', 'Channel.send from the main chare')


def sleep(main):
    charm.sleep(0.01)


def own_coro_method(main):
    check(main.thisProxy.squares(ret=True).get() == [i * i for i in range(main.n)],
          'a @coro method of the main chare, called while its constructor waits')


CASES = [chare_wait, future_get, await_creation, charm_wait, charm_iwait, channel_recv, sleep,
         own_coro_method]


class Main(Chare):

    def __init__(self, args):
        check(args == sys.argv and args[0].endswith('test_main_chare_waits.py'), 'argv: %r' % (args,))
        self.n = 2 * charm.numPes()
        self.reported_by = []
        self.finished = 0
        ro.main = self.thisProxy
        self.workers = Array(Worker, self.n)
        for case in CASES:
            case(self)
            print('ok', case.__name__)
        self.workers.finish()

    def reported(self, i):
        self.reported_by.append(i)

    @coro
    def squares(self):
        return [f.get() for f in [self.workers[i].square(i, ret=True) for i in range(self.n)]]

    def done(self):
        self.finished += 1
        if self.finished == self.n:
            print('main_chare_waits ok on', charm.numPes(), 'PEs')
            charm.exit(0)


charm.start(Main)
