# A call without a future that cannot reach its element because the array was
# destroyed (it waited at the element's home for an insertion when ckDestroy came)
# cannot be raised anywhere: the job aborts with a message naming the method, the
# index and the destroyed array instead of dropping the call (the
# python_ck_destroy_abort_message_np2 test checks the message).
# expect-exit-code: 1
from charmpy import charm, Chare, Array


class Cell(Chare):

    def poke(self):
        pass


def main(args):
    cells = Array(Cell, ndims=1)
    cells.ckInsert(0)
    cells[77].poke()     # waits at its home for an insertion
    charm.waitQD()
    cells.ckDestroy()
    charm.waitQD()       # never completes: the element's home aborts the job first
    charm.exit(0)


charm.start(main)
