# A call without a future to an element of a sparse array that was never inserted
# (after ckDoneInserting) cannot be raised anywhere: the job aborts with a message
# naming the method and the index instead of dropping the call (the
# python_no_message_dropped_abort_message_np2 test checks the message).
# expect-exit-code: 1
from charmpy import charm, Chare, Array


class Cell(Chare):

    def poke(self):
        pass


def main(args):
    cells = Array(Cell, ndims=1)
    for i in range(4):
        cells.ckInsert(i)
    cells.ckDoneInserting()
    charm.waitQD()
    cells[77].poke()
    charm.waitQD()       # never completes: the element's home aborts the job first
    charm.exit(0)


charm.start(main)
