"""Chares, collections and proxies.

A chare is an object of a `Chare` subclass that lives on one PE and is called through
proxies. One class may be used three ways:

    c = Chare(Worker, args=[1], onPE=2)     # a single chare (on PE 2)
    g = Group(Worker, args=[1])             # one element per PE
    a = Array(Worker, (4, 4), args=[1])     # a 4x4 array of elements

    g.work(x)            # broadcast: every element runs work(x)
    a[1, 2].work(x)      # one element
    f = a[1, 2].work(x, ret=True)    # Future of the return value
    f = g.work(x, awaitable=True)    # Future set (to None) when every element is done

Calls are asynchronous and never run inline, even on the same PE. Inside a chare,
`self.thisProxy` is the proxy of its collection (a single chare's own proxy) and
`self.thisIndex` its index: the PE for a group element, a tuple for an array element
(also in 1-d), (0,) for a single chare. Both are set before `__init__` runs, and the
constructor may already do what an entry method does: contribute, reduce, allreduce,
migrate, open channels, call the chare itself through thisProxy.

Proxies compare and hash by collection and index (equal on every PE), pickle (send
them as arguments), and `proxy.method` is a picklable callable usable as a callback.

This module is the home of `Chare` and `ArrayMap` and of what registration takes from
a class (its entry methods); charm4py programs find here too the names of the modules
it builds on: `Group`, `Array` (creation.py), the proxy classes (proxy.py), the
registry's `ClassInfo` and `class_info` (registry.py).
"""
import inspect
import sys
import operator
import pickle

import _charmpy

from . import channel, futures, reduction, registry, section, when
from .coro import coro, is_coro
from .creation import Array, Group, create_chare  # noqa: F401  (charm4py's chare.Group, chare.Array)
from .proxy import (Proxy, ChareProxy, GroupProxy, ArrayProxy,  # noqa: F401  (charm4py's names)
                    callback_tuple, new_proxy, proxy_class)
from .reduction import reducer_id
from .registry import (ClassInfo, KIND_CHARE, KIND_GROUP, KIND_ARRAY, KINDS,  # noqa: F401
                       class_info)
from .sender import snapshot_call  # noqa: F401


def register(C):
    """Class decorator: registers a chare class defined outside `__main__` (charm.start()
    finds the Chare subclasses of `__main__` by itself, and those of the modules it is
    given). Use it in the module that defines the class:

        @register
        class Hello(Chare):
            ...
    """
    if not (isinstance(C, type) and issubclass(C, Chare)):
        raise TypeError('@register decorates Chare subclasses, got %r' % (C,))
    if registry.registration_done():
        raise RuntimeError('@register %s: charm.start() already ran; chare classes must be '
                           'defined (and registered) before it' % C.__qualname__)
    registry.mark_decorated(C)
    return C


def _entry_methods(cls):
    """The remotely callable methods of `cls`: name -> function, sorted by name.

    Public functions (names not starting with '_') defined on `cls` or its bases other
    than charmpy's own (Chare, ArrayMap), plus the hidden entries charmpy itself uses
    (`_charmpy_hidden_entries` of the classes in the MRO).
    """
    methods = {}
    for klass in reversed(cls.__mro__):
        if klass is object or registry.is_base_class(klass):
            continue
        for name, value in vars(klass).items():
            if name.startswith('_'):
                continue
            if inspect.isfunction(value):
                methods[name] = value
            else:
                methods.pop(name, None)  # overridden by something that is not a method
    for klass in cls.__mro__:
        for name in vars(klass).get('_charmpy_hidden_entries', ()):
            methods[name] = getattr(cls, name)
    methods = when.install(cls, {n: f for n, f in methods.items() if not n.startswith('_charmpy')}) | \
        {n: f for n, f in methods.items() if n.startswith('_charmpy')}
    return sorted(methods.items())


def register_classes(classes):
    """Registers `classes` with the runtime, in this order (identical on every PE): for
    each class its constructor for the three kinds, then its entry methods by name."""
    for cls in classes:
        if registry.is_registered(cls):
            continue
        registry.add_class(cls, is_coro(cls.__init__),
                           [(name, is_coro(func)) for name, func in _entry_methods(cls)])
    registry.finish_registration()


# --- chares ----------------------------------------------------------------------------

class Chare:
    """Base class of every chare.

    `Chare(chare_type, args=[], onPE=-1)` (called on Chare itself) creates a single chare of
    class `cls` on PE `onPE` (placed by the runtime when -1) and returns its proxy:

        c = Chare(Counter, args=[10], onPE=1)
        c.add(5)

    Inside a chare: `self.thisProxy`, `self.thisIndex`, and the methods below.
    """

    # Methods of Chare that are entry methods of every class although private.
    _charmpy_hidden_entries = ('_charmpy_ping', '_charmpy_channel_recv', '_charmpy_allreduce_result',
                               '_charmpy_section_of', '_charmpy_indexed_section_of', 'migrate')

    def __new__(cls, chare_type=None, args=[], onPE=-1):
        if cls is Chare and chare_type is not None:
            return create_chare(chare_type, args, onPE)
        return object.__new__(cls)

    def __init__(self):
        pass

    @property
    def migratable(self):
        """Whether the runtime may move this chare (see setMigratable); assigning it
        calls setMigratable."""
        state = _charmpy.chare_state(self)
        return True if state is None else state[0]

    @migratable.setter
    def migratable(self, value):
        self.setMigratable(value)

    @property
    def _numthreads(self):
        """The number of this chare's coroutines running or suspended now (charm4py's
        name; a chare with any cannot migrate)."""
        state = _charmpy.chare_state(self)
        return 0 if state is None else state[1]

    def _charmpy_channel_recv(self, sender_key, number, seq, args):
        """A message of a Channel whose other end is `sender_key`'s chare."""
        channel.deliver(self, sender_key, number, seq, args)

    @coro
    def _charmpy_ping(self):
        """Returns once this element is constructed (`charm.awaitCreation` calls it); a
        coroutine constructor may still be running when the element gets messages."""
        try:
            # Not getattr: a class's __getattr__ may answer every name.
            constructing = object.__getattribute__(self, '_charmpy_constructing')
        except AttributeError:
            return
        constructing.get()

    def _charmpy_indexed_section_of(self, shipped):
        """(thisIndex, PE, section number(s) under a charm.split section_func, or None
        without one): how a sparse array's elements tell who and where they are."""
        numbers = None if shipped is None else section.unship_function(shipped)(self)
        return self.thisIndex, _charmpy.my_pe(), numbers

    def _charmpy_section_of(self, shipped):
        """The section number(s) of this element under a charm.split section_func."""
        return section.unship_function(shipped)(self)

    # --- reductions -----------------------------------------------------------------
    def contribute(self, data, reducer, callback, section=None):
        """Contributes `data` to a reduction over this chare's collection (a single
        chare: over itself alone; or over `section`, a section proxy this element
        is a member of); the result goes to `callback` (a Future, `proxy.method` of
        an element, of the whole collection or of a section, or
        `charm.thisProxy[0].exit`). Every member contributes, in the same order of
        reductions."""
        rid = reducer_id(reducer)
        if callback is not None and not callable(callback) and not hasattr(callback, 'send'):
            raise TypeError('contribute(): the callback must be a Future, a proxy method or '
                            'None, got %r' % (callback,))
        self._charmpy_contribute(rid, reduction.prepare(rid, data, self), callback,
                                 _section_id(section))

    def _charmpy_contribute(self, rid, data, target, sid=0):
        numeric = reduction.numeric_form(rid, data)
        section = self._charmpy_section_typed(sid)
        if numeric is not None:
            form, values, text = numeric
            _charmpy.contribute_numeric(self, rid, values, pickle.dumps((rid, target, form, section)),
                                        text, sid)
        else:
            _charmpy.contribute(self, (rid, data, target, section), sid, reduction.python_form_text(rid, data))

    def _charmpy_section_typed(self, sid):
        """Whether this reduction's result takes charm4py's section types (see
        reduction.py): over a section, or over a group made with onPEs, whose
        thisProxy is a section in charm4py too."""
        return bool(sid) or getattr(getattr(self, 'thisProxy', None), 'issec', False)

    def reduce(self, callback, data=None, reducer=None, section=None):
        """Like contribute, arguments in charm4py's other order; no data and no reducer
        is an empty reduction (a barrier)."""
        self.contribute(data, reducer, callback, section)

    def allreduce(self, data=None, reducer=None, section=None):
        """Contributes and returns a Future of the reduction's result, which every
        member gets (wait for it from a coroutine):

            total = self.allreduce(local_array, Reducer.sum).get()

        Over the whole collection, numbers, lists/tuples of numbers, NumPy arrays
        and array.array under numeric reducers (and no data with no reducer) are
        combined in C with a pairwise exchange between PEs (see Reducer for what
        each gives). The elements of one PE share the result: a
        NumPy result views the received message and is read-only when several
        elements share it (copy it to modify it). Over a section (`section=`) and for
        other data, the result is combined at the root and broadcast back."""
        if section is None:  # one number (or nothing) over the collection: all in C
            f = _allreduce_scalar(self, data, reducer)
            if f is not None:
                return f
        rid = reducer_id(reducer)
        sid = _section_id(section)
        data = reduction.prepare(rid, data, self)
        numeric = None if sid else reduction.allreduce_form(rid, data)
        f = futures.Future()
        try:
            if numeric is not None:
                _charmpy.allreduce_numeric(self, rid, numeric[1], (numeric[0], self._charmpy_section_typed(0)),
                                           numeric[2], f)
                return f
            if sid:
                pending = self.__dict__.setdefault('_charmpy_section_allreduces', {}).setdefault(sid, [])
                target = reduction.AllReduceTarget(section, sid)
            else:
                # Combined at the root; the pairwise exchange gets a marker in its
                # place, so that an element whose data C combines (same reduction
                # number) meets it there and the job ends naming both, not hangs.
                _charmpy.allreduce_marker(self, reduction.allreduce_marker_text(rid, data))
                pending = self.__dict__.setdefault('_charmpy_allreduces', [])
                target = reduction.AllReduceTarget(self.thisProxy)
            pending.append(f)
            try:
                self._charmpy_contribute(rid, data, target, sid)
            except BaseException:
                pending.pop()
                raise
        except BaseException:
            f._forget()  # refused: nothing will ever set it
            raise
        return f

    def _charmpy_allreduce_result(self, result, sid=0):
        """The result of this element's oldest pending allreduce over its collection
        (sid 0) or section `sid`, broadcast by the reduction's root."""
        f = self._charmpy_section_allreduces[sid].pop(0) if sid else self._charmpy_allreduces.pop(0)
        if type(result) is reduction.Failed:
            result.raise_in(f)
        else:
            f.send(result)

    # --- waiting and load balancing ---------------------------------------------------
    def wait(self, cond_str):
        """Suspends the calling coroutine until `cond_str` (a Python expression over
        `self`, e.g. "self.count == 10") holds; it is re-checked each time an entry
        method of this chare returns."""
        if not isinstance(cond_str, str):
            raise TypeError('Chare.wait takes the condition as a string, e.g. '
                            'self.wait("self.ready")')
        when.wait_until(self, when.compile_condition(cond_str), {'self': self},
                        sys.modules[type(self).__module__].__dict__)

    def AtSync(self):
        """Tells the load balancer this element is ready to move (arrays created with
        useAtSync=True): once every element of the array has called it, a
        balancing step runs (+balancer strategies on the loads measured since the
        last one) and resumeFromSync() is called on every element. Call it from a
        plain entry method or at the end of a coroutine: an element whose
        coroutine is still suspended is not moved in that step."""
        _charmpy.at_sync(self)

    def migrate(self, toPe):
        """Moves this chare (an array element or a single chare) to PE `toPe` once the
        running entry method returns (or, for a coroutine, once no coroutine of it is
        suspended). Also an entry method: `proxy[i].migrate(pe)` asks an element to
        move. Its state travels pickled (`__getstate__`/`__setstate__` honoured;
        `thisProxy` and `thisIndex` are set again); `migrated()` runs on arrival;
        messages, broadcasts and reductions follow it. Group elements never move."""
        _charmpy.migrate(self, operator.index(toPe))

    def setMigratable(self, migratable):
        """Allows (True, the default) or forbids moving this chare; migrate() on a
        chare set not migratable raises ValueError."""
        _charmpy.set_migratable(self, bool(migratable))

    def migrated(self):
        """Override: called on the new PE after this element migrated."""

    def resumeFromSync(self):
        """Override: called after a load-balancing step (elements created with
        useAtSync=True)."""


class ArrayMap(Chare):
    """Base class of array maps: a group whose `procNum(index)` gives the PE of each
    element of arrays created with `Array(..., map=map_group_proxy)`:

        class ByRow(ArrayMap):
            def procNum(self, index):
                return index[0] % charm.numPes()

        rows = Array(Cell, (8, 8), map=Group(ByRow))

    procNum runs on every PE (the map group has an element everywhere), so it must be
    a pure function of the index. Create the map before the arrays that use it.
    """

    def procNum(self, index):
        """The PE of the element with `index` (a tuple). Override it."""
        raise NotImplementedError('%s must define procNum(self, index)' % type(self).__qualname__)


# Chare.allreduce of one number (or of nothing) over the collection runs in C with
# no Python frame (allreduce_scalar's path); any other call runs the method above.
Chare.allreduce = _charmpy.ProxyMethod(_charmpy.METHOD_CHARE_ALLREDUCE, Chare.allreduce)

registry.set_base_classes(Chare, ArrayMap)


_allreduce_scalar = _charmpy.allreduce_scalar


def _section_id(section_proxy):
    return 0 if section_proxy is None else section.section_of(section_proxy)
