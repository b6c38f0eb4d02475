# Regression: replies to a broadcast with ret=True are reduced under the
# broadcast's own number, apart from the members' contribute() numbering. Two
# elements on one PE see a user reduction and a broadcast in opposite orders
# (element 1: contribute, then the broadcast; element 0: the broadcast, then
# contribute); with one shared numbering the reply of one met the contribution of
# the other and the job aborted (different callbacks) or mixed up results.
from charmpy import charm, Chare, Array, ArrayMap, Group, Reducer, Future


class AllOnZero(ArrayMap):
    def procNum(self, index):
        return 0


class Element(Chare):

    def contribute_now(self, f):
        self.contribute(self.thisIndex[0] + 1, Reducer.sum, f)

    def who(self):
        return self.thisIndex[0]


def main(args):
    a = Array(Element, 2, map=Group(AllOnZero))
    charm.awaitCreation(a)
    for rounds in range(20):
        f = Future()
        a[1].contribute_now(f)
        replies = a.who(ret=True)
        a[0].contribute_now(f)
        assert replies.get() == [0, 1], replies.get()
        assert f.get() == 3, f.get()
    print('reply numbering ok')
    charm.exit()


charm.start(main)
