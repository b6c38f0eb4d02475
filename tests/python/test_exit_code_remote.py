# expect-exit-code: 6
# charm.thisProxy[0].exit(6), called by a coroutine method on the last PE, ends the
# program with code 6 (the runtime's group exit is callable remotely).
from charmpy import charm, Chare, coro, Future


class Ender(Chare):

    @coro
    def end(self, code):
        charm.sleep(0.05)
        charm.thisProxy[0].exit(code)


def main(args):
    Chare(Ender, onPE=charm.numPes() - 1).end(6)
    Future().get()
    raise AssertionError('not reached')


charm.start(main)
