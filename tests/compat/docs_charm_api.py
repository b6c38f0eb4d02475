# Doc page: charm-api.rst ("Charm": start and exit, broadcasting globals, processor
# information, waiting for events, timer-based scheduling, remote code execution,
# charm.options). Behaviours asserted:
#  - the entry function receives the application arguments (argv list, script first);
#  - start() registers the chare types of __main__, of `classes` and of `modules`;
#  - charm.options has local_msg_buf_size=50, pickle_protocol=-1, profiling=False,
#    quiet=False, remote_exec=False by default; local_msg_optim is False (the page says
#    True, but charm4py 1.1's code sets False, and the code is the contract);
#  - charm.thisProxy.updateGlobals(dict, module_name) updates that module's globals on
#    every PE, and awaitable=True waits for it;
#  - myPe()/numPes();
#  - charm.awaitCreation waits until the constructors have been called;
#  - charm.wait / charm.iwait on futures and channels;
#  - startQD(callback) with a future or proxy.method, waitQD();
#  - charm.sleep suspends a coroutine while the PE does other work; outside a coroutine
#    it is time.sleep;
#  - scheduleCallableAfter(callable, secs, args) with a Python callable, a future and a
#    proxy.method, called no earlier than secs;
#  - exec/eval are disabled unless charm.options.remote_exec (the error reaches the future);
#  - charm.exit can be used as a reduction callback: self.reduce(charm.thisProxy.exit)
#    ends the program (this is how the program ends, exit code 0).
import os
import time

from charmpy import charm, Chare, Group, Array, Future, Channel, coro

import docs_helper_module
from docs_helper_classes import RegisteredByClass

DEFAULTS = dict(local_msg_optim=False, local_msg_buf_size=50, pickle_protocol=-1,
                profiling=False, quiet=False, remote_exec=False)
for name, value in DEFAULTS.items():
    assert getattr(charm.options, name) == value, (name, getattr(charm.options, name))

GLOBAL_X = 0


class Worker(Chare):

    def __init__(self):
        self.constructed = True
        self.ticks = 0
        self.qd_calls = 0

    def readGlobals(self):
        return GLOBAL_X, docs_helper_module.SETTING

    def tick(self):
        self.ticks += 1

    def getTicks(self):
        return self.ticks

    def qdReached(self):
        self.qd_calls += 1

    def getQdCalls(self):
        return self.qd_calls

    def plainSleep(self, secs):
        # not a coroutine: charm.sleep is time.sleep here
        t0 = time.time()
        charm.sleep(secs)
        return time.time() - t0

    @coro
    def talk(self, peer_index, count):
        ch = Channel(self, remote=self.thisProxy[peer_index])
        for i in range(count):
            ch.send(self.thisIndex, i)
        return [ch.recv() for _ in range(count)]

    def delayed(self, value, t_sent):
        self.delayed_value = (value, time.time() - t_sent)

    def getDelayed(self):
        return self.delayed_value

    def finish(self):
        self.reduce(charm.thisProxy.exit)


called_back = []


def local_callback(a, b):
    called_back.append((a, b, time.time()))


def main(args):
    n = charm.numPes()
    assert isinstance(args, list), type(args)
    assert os.path.basename(args[0]) == 'docs_charm_api.py', args
    assert args[1:] == ['alpha', '--beta=2'], args
    assert charm.myPe() == 0 and n >= 1

    # registration through modules= and classes=
    m = Group(docs_helper_module.RegisteredByModule)
    assert m.where(ret=True).get() == list(range(n))
    c = Array(RegisteredByClass, 3, args=['cls'])
    assert c.describe(ret=True).get() == [((i,), 'cls') for i in range(3)]

    # awaitCreation
    workers = Group(Worker)
    arr = Array(Worker, 2 * n)
    charm.awaitCreation(workers, arr)

    # updateGlobals, in __main__ and in a named module
    charm.thisProxy.updateGlobals({'GLOBAL_X': 333}, awaitable=True).get()
    charm.thisProxy.updateGlobals({'SETTING': 'set'}, module_name='docs_helper_module',
                                  awaitable=True).get()
    assert workers.readGlobals(ret=True).get() == [(333, 'set')] * n
    assert m.setting(ret=True).get() == ['set'] * n

    # charm.wait / iwait on futures
    futures = [workers[pe].readGlobals(ret=True) for pe in range(n)]
    charm.wait(futures)
    assert all(f.get() == (333, 'set') for f in futures)
    seen = 0
    for f in charm.iwait([arr[i].readGlobals(ret=True) for i in range(2 * n)]):
        assert f.get() == (333, 'set')
        seen += 1
    assert seen == 2 * n

    # charm.wait / iwait on channels: elements 0 and 1 exchange 5 messages each way
    if 2 * n >= 2:
        f0 = arr[0].talk(1, 5, ret=True)
        f1 = arr[1].talk(0, 5, ret=True)
        assert f0.get() == [((1,), i) for i in range(5)]
        assert f1.get() == [((0,), i) for i in range(5)]

    # quiescence detection: a future, a proxy.method, waitQD
    for pe in range(n):
        workers[pe].tick()
    qd = Future()
    charm.startQD(qd)
    qd.get()
    assert workers.getTicks(ret=True).get() == [1] * n
    charm.startQD(workers.qdReached)
    charm.waitQD()
    assert workers.getQdCalls(ret=True).get() == [1] * n

    # charm.sleep in a coroutine: the PE keeps working meanwhile
    workers[0].tick()
    t0 = time.time()
    charm.sleep(0.2)
    assert time.time() - t0 >= 0.2
    assert workers[0].getTicks(ret=True).get() == 2
    assert workers[n - 1].plainSleep(0.1, ret=True).get() >= 0.1

    # scheduleCallableAfter: Python callable with args, future, proxy.method
    t0 = time.time()
    charm.scheduleCallableAfter(local_callback, 0.1, args=[1, 'b'])
    fut = Future()
    charm.scheduleCallableAfter(fut, 0.1, args=['via future'])
    charm.scheduleCallableAfter(workers[n - 1].delayed, 0.1, args=['via proxy', t0])
    assert fut.get() == 'via future'
    assert time.time() - t0 >= 0.1
    charm.sleep(0.05)
    charm.waitQD()
    assert len(called_back) == 1 and called_back[0][:2] == (1, 'b'), called_back
    assert called_back[0][2] - t0 >= 0.1
    value, elapsed = workers[n - 1].getDelayed(ret=True).get()
    assert value == 'via proxy' and elapsed >= 0.1, (value, elapsed)

    # remote code execution is off by default
    for call in (lambda: charm.thisProxy[n - 1].eval('1 + 1', ret=True),
                 lambda: charm.thisProxy[n - 1].exec('Y = 1', awaitable=True)):
        try:
            call().get()
        except Exception as e:
            assert 'remote_exec' in str(e), e
        else:
            raise AssertionError('remote code execution ran with remote_exec False')

    print('docs_charm_api: ok on %d PEs' % n)
    # the program ends through charm.exit as a reduction callback
    workers.finish()


charm.start(main, classes=[RegisteredByClass], modules=['docs_helper_module'])
