# The entry is a chare class whose @coro constructor first waits on Channel.recv, for
# a message from a chare it created and called (that call is made before the wait).
# Its peers call it while it waits; its constructor then waits for them through a
# @coro entry method of its own.
from charmpy import charm, Chare, Group, Channel, coro


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Peer(Chare):

    @coro
    def start(self, main):
        ch = Channel(self, remote=main)
        for i in range(5):
            ch.send(i, charm.myPe())
        main.hello(charm.myPe())
        check(ch.recv() == 'thanks', 'reply over the channel')


class Main(Chare):

    @coro
    def __init__(self, args):
        self.hellos = []
        last = charm.numPes() - 1
        peers = Group(Peer)
        peers[last].start(self.thisProxy)
        ch = Channel(self, remote=peers[last])
        got = [ch.recv() for _ in range(5)]
        check(got == [(i, last) for i in range(5)], 'Channel.recv first in the constructor: %r' % (got,))
        ch.send('thanks')
        self.thisProxy.until_hello(ret=True).get()
        check(self.hellos == [last], 'a call received while the constructor waited')
        print('main_chare_channel ok on', charm.numPes(), 'PEs')
        charm.exit(0)

    def hello(self, pe):
        self.hellos.append(pe)

    @coro
    def until_hello(self):
        self.wait('self.hellos')


charm.start(Main)
