# Every call mode: plain, ret=True and awaitable=True, to one element and to a whole
# collection, on groups, arrays and single chares; args and kwargs; calls never run
# inline; the entry function gets the program's argv.
import sys

from charmpy import charm, Chare, Group, Array

from cases import case, run_cases


class Worker(Chare):

    def __init__(self, offset=0, *, scale=1):
        self.offset = offset
        self.scale = scale
        self.log = []

    def add(self, a, b=0, *, c=0):
        self.log.append(a + b + c)
        return (a + b + c) * self.scale + self.offset

    def getLog(self):
        return list(self.log)

    def where(self):
        return (self.thisIndex, charm.myPe())


def check_element_modes(proxy, offset, scale, label):
    assert proxy.add(1, b=2) is None                       # plain
    assert proxy.getLog(ret=True).get() == [3], label      # same sender, same element: in order
    assert proxy.add(1, 2, c=3, ret=True).get() == 6 * scale + offset, label
    assert proxy.add(a=4, ret=True).get() == 4 * scale + offset, label   # kwargs only
    f = proxy.add(5, awaitable=True)
    assert f.get() is None, label
    assert proxy.getLog(ret=True).get() == [3, 6, 4, 5], label


def check_broadcast_modes(proxy, count, offset, label):
    assert proxy.add(7) is None                             # plain broadcast
    logs = proxy.getLog(ret=True).get()                     # broadcasts stay in order
    assert logs == [[7]] * count, (label, logs)
    assert proxy.add(1, c=1, ret=True).get() == [2 + offset] * count, label
    assert proxy.add(3, awaitable=True).get() is None, label
    assert proxy.getLog(ret=True).get() == [[7, 2, 3]] * count, label


# g2, the group of the broadcast case, is shared with calls_never_run_inline, which
# runs after it.
@case
def entry_function_gets_the_program_argv(args, g2):
    assert args is sys.argv
    assert args[0].endswith('test_call_modes.py'), args


@case
def group_element_call_modes(args, g2):
    n = charm.numPes()
    g = Group(Worker, args=[100])
    for pe in range(n):
        check_element_modes(g[pe], 100, 1, 'group element %d' % pe)


@case
def group_broadcast_call_modes(args, g2):
    check_broadcast_modes(g2, charm.numPes(), 1, 'group broadcast')


@case
def array_element_call_modes(args, g2):
    n = charm.numPes()
    a = Array(Worker, 2 * n + 1, args=[10])
    for i in range(2 * n + 1):
        check_element_modes(a[i], 10, 1, 'array element %d' % i)


@case
def two_d_array_broadcast_call_modes_and_indices(args, g2):
    n = charm.numPes()
    a2 = Array(Worker, (2, n))
    check_broadcast_modes(a2, 2 * n, 0, '2-d array broadcast')
    for i in range(2):
        for j in range(n):
            assert a2[i, j].where(ret=True).get()[0] == (i, j)


@case
def single_chare_call_modes_placed_by_runtime_and_on_each_pe(args, g2):
    n = charm.numPes()
    for pe in [-1] + list(range(n)):
        c = Chare(Worker, args=[1000], onPE=pe)
        check_element_modes(c, 1000, 1, 'chare on %d' % pe)
        index, where = c.where(ret=True).get()
        assert index == (0,)
        if pe >= 0:
            assert where == pe


@case
def keyword_only_constructor_parameters_not_set_through_args(args, g2):
    """constructor with keyword-only parameters: not through args, so scale stays 1"""
    c = Chare(Worker, args=[0], onPE=charm.numPes() - 1)
    assert c.add(2, ret=True).get() == 2


@case
def calls_never_run_inline(args, g2):
    """calls never run inline, even to an element on this PE"""
    local = g2.ckLocalBranch()
    before = list(local.log)
    g2[0].add(1000)
    assert local.log == before, 'a call ran inline'
    g2[0].getLog(ret=True).get()
    assert local.log == before + [1000]


def main(args):
    g2 = Group(Worker, args=[1])
    run_cases(args, g2)


charm.start(main)
