# Regression: a PE running a chain of long entry methods it sends itself must still
# look at the network between them. The scheduler used to take up to 16 local
# messages per pass before polling again, so a reply from another PE waited behind
# the whole chain (charm.pool's PE 0, computing its own tasks, then starved the
# other workers). Now a batch ends once its messages ran for 1 ms. Order-based: the
# reply, which arrives during link 0, must be handled before link 4 of 16.
import time

from charmpy import charm, Chare, Group, Future

LINKS = 16
BUSY_SECONDS = 0.002   # each link runs longer than a batch's time budget


class Node(Chare):

    def __init__(self):
        self.events = []

    def chain(self, link, done):
        if link == 0:
            self.thisProxy[1].echo()          # the reply comes back during this link
        self.events.append(('link', link))
        end = time.perf_counter() + BUSY_SECONDS
        while time.perf_counter() < end:
            pass
        if link + 1 < LINKS:
            self.thisProxy[0].chain(link + 1, done)
        else:
            done.send(self.events)

    def echo(self):
        self.thisProxy[0].reply()

    def reply(self):
        self.events.append(('reply', None))


def main(args):
    if charm.numPes() < 2:
        print('needs 2 PEs; nothing to check on 1')
        charm.exit()
    nodes = Group(Node)
    charm.awaitCreation(nodes)
    done = Future()
    nodes[0].chain(0, done)
    events = done.get()
    position = events.index(('reply', None))
    links_before = sum(1 for kind, _ in events[:position] if kind == 'link')
    print('the reply was handled after %d of %d links' % (links_before, LINKS))
    assert links_before <= 4, events
    charm.exit()


charm.start(main)
