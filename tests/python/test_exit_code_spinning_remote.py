# expect-exit-code: 7
# charm.exit(7) called on the last PE ends the job with code 7 while PE 0 runs a
# 60 s Python loop in the entry function and never returns to the scheduler.
import time
from charmpy import charm, Chare


class Ender(Chare):

    def ready(self):
        return True

    def end(self):
        charm.sleep(0.2)  # PE 0 is in its loop by then
        charm.exit(7)


def main(args):
    if charm.numPes() == 1:
        charm.exit(7)
        return
    ender = Chare(Ender, onPE=charm.numPes() - 1)
    assert ender.ready(ret=True).get()
    ender.end()
    print('PE 0 spinning')
    end = time.time() + 60
    while time.time() < end:
        pass


charm.start(main)
