# The proxies' C methods (_charmpy.ProxyMethod, embed/proxy_methods.cc): group[pe],
# array[i, j] and proxy.method(args) done in C behave exactly as the Python
# functions they stand for (proxy.py), which still handle every other case.
import inspect
import pickle

import numpy as np

import _charmpy
from charmpy import charm, Chare, Group, Array, Future

from cases import case, run_cases


class Node(Chare):

    def __init__(self):
        self.got = []

    def work(self, x):
        """Stores x."""
        self.got.append(x)

    def keyed(self, a, b=2):
        return (a, b)

    def values(self):
        return list(self.got)

    def forward(self, target, x):
        target.work(x)   # a plain call from inside an entry method


def python_item(proxy, key):
    """What proxy[key] gives through the Python __getitem__."""
    return type(proxy).__getitem__.__wrapped__(proxy, key)


def same_proxy(p, q):
    return (type(p) is type(q) and p == q and p._cid == q._cid and p._index == q._index
            and p._pe == q._pe and p._dims == q._dims)


def raised(f):
    try:
        f()
    except Exception as e:
        return type(e), str(e)
    return None


@case
def group_element_made_in_c_equals_the_python_one(g, a):
    n = charm.numPes()
    assert isinstance(type(g).__dict__.get('__getitem__') or type(g).__mro__[1].__dict__['__getitem__'],
                      _charmpy.ProxyMethod)
    for pe in range(n):
        assert same_proxy(g[pe], python_item(g, pe))
        assert g[pe]._index == (pe,) and g[pe]._pe == pe and g[pe] is not g[pe]
        assert g[pe]._index is g[pe]._index  # the C path makes each PE's (pe,) once
        assert same_proxy(g[np.int64(pe)], g[pe]) and same_proxy(g[[pe]], g[pe])
    for bad in (n, -1, 10**30):
        assert raised(lambda: g[bad]) == raised(lambda: python_item(g, bad)) and raised(lambda: g[bad])
    assert raised(lambda: g[0][0])[0] is TypeError
    assert raised(lambda: g['x'])[0] is TypeError
    assert g[0:n].issec


@case
def array_element_made_in_c_equals_the_python_one(g, a):
    for i in range(2):
        for j in range(3):
            p = a[i, j]
            assert same_proxy(p, python_item(a, (i, j))) and same_proxy(p, a[[i, j]])
            assert same_proxy(p, a[np.int32(i), j]) and p._index == (i, j)
            assert p._pe == _charmpy.element_pe((2, 3), (i, j), 0)
    for bad in ((2, 0), (0, 3), (-1, 0), (0,), (0, 0, 0), 0, (True, 10**30)):
        assert raised(lambda: a[bad]) is not None, bad
        assert raised(lambda: a[bad]) == raised(lambda: python_item(a, bad)), bad
    assert same_proxy(a[True, 1], a[1, 1])


@case
def entry_method_keeps_its_name_doc_and_number(g, a):
    method = g[0].work
    assert inspect.ismethod(method) and method.__self__ == g[0]
    assert isinstance(method.__func__, _charmpy.ProxyMethod)
    assert method.__name__ == 'work' and method.__doc__ == 'Stores x.'
    assert method.__func__.__qualname__.endswith('.work')
    assert isinstance(method.__func__.ep, int) and method.__func__.ep == type(g).work.ep
    copy = pickle.loads(pickle.dumps(method))
    assert copy.__self__ == g[0] and copy.__name__ == 'work'
    # the class attribute is the method itself, callable with a proxy first
    type(g).work(g[0], 'unbound')
    assert 'unbound' in g[0].values(ret=True).get()
    assert raised(lambda: type(g).work(object(), 1))[0] is AttributeError


@case
def calls_with_keywords_go_through_python(g, a):
    n = charm.numPes()
    for pe in range(n):
        assert g[pe].keyed(1, ret=True).get() == (1, 2)
        assert g[pe].keyed(1, b=3, ret=True).get() == (1, 3)
        assert g[pe].keyed(a=4, b=5, ret=True).get() == (4, 5)
        g[pe].work(('awaited', pe), awaitable=True).get()
    assert g.keyed(7, ret=True).get() == [(7, 2)] * n


@case
def plain_calls_arrive_in_order_with_values_of_the_call(g, a):
    n = charm.numPes()
    x = np.arange(4.0)
    for pe in range(n):
        for k in range(20):
            x[0] = k
            g[pe].work(x)
            a[1, 2].work(k)
    x[0] = -1.0
    f = Future()
    g.work('broadcast')
    for pe in range(n):
        got = [v for v in g[pe].values(ret=True).get() if isinstance(v, np.ndarray)]
        assert [v[0] for v in got[-20:]] == list(range(20)), got
    got = a[1, 2].values(ret=True).get()
    assert got[-20:] == list(range(20)), got
    g[n - 1].forward(a[0, 1], 'forwarded', awaitable=True).get()
    for _ in range(200):
        if 'forwarded' in a[0, 1].values(ret=True).get():
            break
        charm.sleep(0.01)
    assert 'forwarded' in a[0, 1].values(ret=True).get()
    assert all('broadcast' in vs for vs in g.values(ret=True).get())
    f.send(None)
    f.get()


def main(args):
    g = Group(Node)
    a = Array(Node, (2, 3))
    charm.awaitCreation(g, a)
    run_cases(g, a)


charm.start(main)
