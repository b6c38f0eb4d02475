# Hello on a group, a 1-d array and a 2-d array: every element answers exactly once,
# from the PE it lives on, with its own index; broadcast results come in element order.
from charmpy import charm, Chare, Group, Array

from cases import case, run_cases


class Hello(Chare):

    def __init__(self, greeting):
        self.greeting = greeting
        self.created_on = charm.myPe()

    def sayHi(self, name):
        print('%s %s from element %s on PE %d' % (self.greeting, name, self.thisIndex,
                                                   charm.myPe()))
        assert self.created_on == charm.myPe()
        return (self.thisIndex, charm.myPe(), self.greeting)


@case
def group_elements_answer_once_from_their_pe():
    n = charm.numPes()
    g = Group(Hello, args=['Hello'])
    replies = g.sayHi('group', ret=True).get()
    assert replies == [(pe, pe, 'Hello') for pe in range(n)], replies
    for pe in range(n):
        assert g[pe].sayHi('group element', ret=True).get() == (pe, pe, 'Hello')


@case
def one_d_array_elements_answer_once_in_element_order():
    n = charm.numPes()
    size = 2 * n + 1
    a = Array(Hello, size, args=['Hi'])
    replies = a.sayHi('1-d array', ret=True).get()
    assert [r[0] for r in replies] == [(i,) for i in range(size)], replies
    assert all(r[2] == 'Hi' for r in replies)
    assert all(0 <= r[1] < n for r in replies)
    for i in range(size):
        assert a[i].sayHi('1-d element', ret=True).get() == replies[i]
        assert a[(i,)].sayHi('1-d element', ret=True).get() == replies[i]


@case
def two_d_array_elements_answer_once_in_element_order():
    n = charm.numPes()
    dims = (3, n + 1)
    a2 = Array(Hello, dims, args=['Hey'])
    replies = a2.sayHi('2-d array', ret=True).get()
    expected = [(i, j) for i in range(dims[0]) for j in range(dims[1])]
    assert [r[0] for r in replies] == expected, replies
    for k, (i, j) in enumerate(expected):
        assert a2[i, j].sayHi('2-d element', ret=True).get() == replies[k]
        assert a2[(i, j)].sayHi('2-d element', ret=True).get() == replies[k]
        assert a2[[i, j]].sayHi('2-d element', ret=True).get() == replies[k]


def main(args):
    run_cases()


charm.start(main)
