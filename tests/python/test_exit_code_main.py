# expect-exit-code: 4
# exit(4) in the entry function ends the program with code 4, after a chare ran.
from charmpy import charm, Chare, Array


class Worker(Chare):

    def work(self, x):
        return x + 1


def main(args):
    assert Array(Worker, 3).work(1, ret=True).get() == [2, 2, 2]
    exit(4)


charm.start(main)
