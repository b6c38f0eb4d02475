# Future.get and Chare.allreduce have C fronts (_charmpy.ProxyMethod kinds
# METHOD_FUTURE_GET and METHOD_CHARE_ALLREDUCE, embed/proxy_methods.cc): they take
# the common call with no Python frame (a local future of one value; one number or
# nothing over the whole collection, positional arguments) and pass every other
# call to the Python method they stand for. Each case checks that a call behaves
# as the Python method does, on both sides of that line: values, exceptions (also
# values that are exceptions), several values, futures of another PE, waiting
# outside a coroutine, keyword arguments, a section argument, data C declines, and the
# methods' names, docs and signatures.
import inspect

import numpy as np

import _charmpy
from charmpy import charm, Chare, Group, Array, Reducer, Future, coro
from charmpy.futures import NotThreadedError

from cases import case, run_cases


class Node(Chare):

    def k(self):
        return self.thisIndex[0] if isinstance(self.thisIndex, tuple) else self.thisIndex

    def make_future(self):
        return Future()  # travels to the caller: a future of this PE

    def fail(self, text):
        raise KeyError(text)

    def get_outside_coroutine(self):
        g = Future()
        try:
            g.get()
        except NotThreadedError as e:
            return 'NotThreadedError', 'coroutine' in str(e)
        return None, False

    @coro
    def allreduce_forms(self):
        k = self.k()
        out = {}
        out['positional'] = self.allreduce(k, Reducer.sum).get()
        out['keywords'] = self.allreduce(data=k, reducer=Reducer.sum).get()
        out['mixed'] = self.allreduce(float(k), reducer=Reducer.max).get()
        out['section_none'] = self.allreduce(k, Reducer.min, None).get()
        out['section_none_kw'] = self.allreduce(k, Reducer.min, section=None).get()
        out['barrier'] = self.allreduce().get()
        out['list'] = self.allreduce([k, 1], Reducer.sum).get()
        out['array'] = self.allreduce(np.array([k, 2.0]), Reducer.sum).get()
        out['gather'] = self.allreduce(k, Reducer.gather).get()
        out['bool'] = self.allreduce(True, Reducer.sum).get()
        try:
            self.allreduce(1, Reducer.sum, 'not a section')
            out['bad_section'] = None
        except Exception as e:
            out['bad_section'] = type(e).__name__
        return out


def raised(f):
    try:
        f()
    except BaseException as e:
        return e
    return None


@case
def fronts_keep_the_python_methods_names_docs_and_signatures():
    get = Future.__dict__['get']
    assert isinstance(get, _charmpy.ProxyMethod)
    assert get.__name__ == 'get' and get.__qualname__ == 'Future.get'
    assert get.__doc__ == get.__wrapped__.__doc__ and 'Waits' in get.__doc__
    assert list(inspect.signature(Future.get).parameters) == ['self']
    allreduce = Chare.__dict__['allreduce']
    assert isinstance(allreduce, _charmpy.ProxyMethod)
    assert allreduce.__name__ == 'allreduce' and 'Contributes' in allreduce.__doc__
    assert list(inspect.signature(Chare.allreduce).parameters) == ['self', 'data', 'reducer', 'section']
    # they pass for functions, as the Python methods did (charm4py's are functions)
    assert inspect.isfunction(Future.get) and inspect.isfunction(Chare.allreduce)
    assert type(Future.get) is _charmpy.ProxyMethod
    assert Chare.allreduce.__defaults__ == (None, None, None)
    f = Future()
    assert inspect.ismethod(f.get) and f.get.__self__ is f
    f.send(3)
    assert Future.get(f) == 3 and f.get() == 3
    assert 'Future.get' in repr(get)


@case
def get_gives_values_and_raises_as_python_does():
    value = {'a': [1, 2]}
    f = Future()
    f.send(value)
    assert f.get() == value and f.get() == value   # again: the same value
    f = Future()
    f.send(None)
    assert f.get() is None
    # a value that is an exception is raised, as Python's get does
    f = Future()
    f.send(ValueError('sent as a value'))
    e = raised(f.get)
    assert type(e) is ValueError and str(e) == 'sent as a value'
    # an exception raised remotely
    g = Group(Node)
    charm.awaitCreation(g)
    e = raised(g[charm.numPes() - 1].fail('remote', ret=True).get)
    assert type(e) is KeyError and 'remote' in str(e), e
    # several values: the list
    f = Future(num_vals=3)
    for v in (1, 2, 3):
        f.send(v)
    assert sorted(f.get()) == [1, 2, 3]
    f = Future(num_vals=2)
    f.send(1)
    f.send(RuntimeError('second'))
    assert type(raised(f.get)) is RuntimeError


@case
def get_of_a_future_of_another_pe_or_outside_a_coroutine():
    g = Group(Node)
    charm.awaitCreation(g)
    if charm.numPes() > 1:
        foreign = g[1].make_future(ret=True).get()
        assert foreign.pe == 1
        e = raised(foreign.get)
        assert type(e) is RuntimeError and 'belongs to PE 1' in str(e), e
    for pe in range(charm.numPes()):
        assert g[pe].get_outside_coroutine(ret=True).get() == ('NotThreadedError', True)


@case
def allreduce_in_all_its_forms_gives_the_python_paths_results():
    for coll in (Group(Node), Array(Node, 8 * charm.numPes()), Array(Node, 3)):
        charm.awaitCreation(coll)
        results = coll.allreduce_forms(ret=True).get()
        size = len(results)
        ks = list(range(size))
        for out in results:
            assert out['positional'] == sum(ks) and type(out['positional']) is int
            assert out['keywords'] == sum(ks)
            assert out['mixed'] == float(size - 1) and type(out['mixed']) is float
            assert out['section_none'] == 0 and out['section_none_kw'] == 0
            assert out['barrier'] is None
            assert list(out['list']) == [sum(ks), size]
            assert list(out['array']) == [float(sum(ks)), 2.0 * size]
            assert out['gather'] == ks
            assert out['bool'] == size
            assert out['bad_section'] == 'TypeError'


def main(args):
    run_cases()


charm.start(main)
