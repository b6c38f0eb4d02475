# Destroying an array while a reduction over it is incomplete would lose the
# contributions made so far and leave its callback waiting forever: the job aborts
# naming the array instead (the python_ck_destroy_incomplete_reduction_message_np2
# test checks the message).
# expect-exit-code: 1
from charmpy import charm, Chare, Array, Reducer


class Cell(Chare):

    def give(self, done):
        if self.thisIndex[0] % 2 == 0:      # only half of the elements contribute
            self.reduce(done, 1, Reducer.sum)


def main(args):
    cells = Array(Cell, 4 * charm.numPes())
    done = charm.createFuture()
    cells.give(done, awaitable=True).get()
    cells.ckDestroy()
    done.get()           # never completes: a PE aborts the job first
    charm.exit(0)


charm.start(main)
