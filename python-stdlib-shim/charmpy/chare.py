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
"""
import inspect
import sys
import operator
import pickle

import _charmpy

from . import futures
from . import when
from .coro import coro, is_coro
from . import reduction
from .reduction import reducer_id

KIND_CHARE = _charmpy.KIND_CHARE
KIND_GROUP = _charmpy.KIND_GROUP
KIND_ARRAY = _charmpy.KIND_ARRAY
KINDS = (KIND_CHARE, KIND_GROUP, KIND_ARRAY)
_KIND_NAMES = {KIND_CHARE: 'chare', KIND_GROUP: 'group', KIND_ARRAY: 'array'}
_MAX_DIMS = 6

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()

# How proxies send. The start-up phase (charmpy/_startup.py) swaps these on PE 0 to
# hold the entry's calls until the readonlies are everywhere; the rest of the time
# they are the runtime's functions themselves (no extra layer on the hot path).
_send = _charmpy.send
_broadcast = _charmpy.broadcast
# Start-up phase only: returns the object put before a new collection's constructor
# arguments (the readonlies as of now), or is None.
_creation_prefix = None


# --- registration tables -------------------------------------------------------------

class ClassInfo:
    """What registration gave a chare class: its number (same on every PE), its
    constructor ids per collection kind, its entry method ids by name, and its proxy
    classes (built lazily) per kind."""

    __slots__ = ('cls', 'number', 'ctor_ids', 'entries', 'coro_ctor', 'proxy_classes')

    def __init__(self, cls, number):
        self.cls = cls
        self.number = number
        self.ctor_ids = {}
        self.entries = {}
        self.coro_ctor = False
        self.proxy_classes = {}


_infos = {}        # class -> ClassInfo
_by_number = []    # class number -> ClassInfo
_registered_by_decorator = []   # classes marked with @register, in decoration order
_registration_done = False
_local_groups = {}  # collection id -> this PE's element of that group
_array_use_at_sync = {}  # collection id -> useAtSync given at creation (this PE's arrays)


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
    if _registration_done:
        raise RuntimeError('@register %s: charm.start() already ran; chare classes must be '
                           'defined (and registered) before it' % C.__qualname__)
    if C not in _registered_by_decorator:
        _registered_by_decorator.append(C)
    return C


def _entry_methods(cls):
    """The remotely callable methods of `cls`: name -> function, sorted by name.

    Public functions (names not starting with '_') defined on `cls` or its bases other
    than charmpy's own (Chare, ArrayMap), plus the hidden entries charmpy itself uses
    (`_charmpy_hidden_entries` of the classes in the MRO).
    """
    methods = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass in _BASE_CLASSES:
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
    global _registration_done
    for cls in classes:
        if cls in _infos:
            continue
        info = ClassInfo(cls, len(_by_number))
        info.coro_ctor = is_coro(cls.__init__)
        for kind in KINDS:
            info.ctor_ids[kind] = _charmpy.register_constructor(cls, kind, info.coro_ctor)
        for name, func in _entry_methods(cls):
            info.entries[name] = _charmpy.register_entry(cls, name, is_coro(func))
        _infos[cls] = info
        _by_number.append(info)
    _registration_done = True


def class_info(cls, what):
    """The ClassInfo of `cls`; TypeError when it is not a Chare subclass."""
    info = _infos.get(cls) if isinstance(cls, type) else None
    if info is not None:
        return info
    if not (isinstance(cls, type) and issubclass(cls, Chare)) or cls in _BASE_CLASSES:
        raise TypeError('%s needs a Chare subclass (class MyChare(Chare): ...), got %r'
                        % (what, cls))
    if not _registration_done:
        raise RuntimeError('%s: charm.start() has not run yet; create chares from the entry '
                           'function (or from other chares)' % what)
    raise RuntimeError(
        '%s: class %s.%s is not registered; charm.start() registers the Chare subclasses of '
        '__main__, of charm.start(classes=[...]) and modules=[...], and those decorated with '
        '@register (defined before charm.start())' % (what, cls.__module__, cls.__qualname__))


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
        from . import channel
        channel.deliver(self, sender_key, number, seq, args)

    @coro
    def _charmpy_ping(self):
        """Returns once this element is constructed (`charm.awaitCreation` calls it); a
        coroutine constructor may still be running when the element gets messages."""
        constructing = getattr(self, '_charmpy_constructing', None)
        if constructing is not None:
            constructing.get()

    def _charmpy_indexed_section_of(self, shipped):
        """(thisIndex, PE, section number(s) under a charm.split section_func, or None
        without one): how a sparse array's elements tell who and where they are."""
        from . import section
        numbers = None if shipped is None else section.unship_function(shipped)(self)
        return self.thisIndex, _charmpy.my_pe(), numbers

    def _charmpy_section_of(self, shipped):
        """The section number(s) of this element under a charm.split section_func."""
        from . import section
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


_BASE_CLASSES = (Chare, ArrayMap)


def _section_id(section):
    if section is None:
        return 0
    from . import section as _section
    return _section.section_of(section)


def _args_tuple(args, what):
    if args is None:
        return ()
    if isinstance(args, tuple):
        return args
    if isinstance(args, list):
        return tuple(args)
    raise TypeError('%s: args must be a list (or tuple) of constructor arguments, got %r'
                    % (what, args))


def _create(kind, info, dims, on_pe, args, map_cid=0, use_at_sync=False):
    prefix = _creation_prefix
    if prefix is not None:
        args = (prefix(),) + args
    return _charmpy.create(kind, info.ctor_ids[kind], dims, on_pe, args, None, map_cid, None,
                           bool(use_at_sync))


# Arrays placed by an ArrayMap: array collection id -> the map group's id. Filled on
# creation, when a proxy is unpickled, and from the runtime for local arrays.
_array_maps = {}


def collection_destroyed(cid):
    """Runtime hook: array `cid` was destroyed on this PE (ckDestroy); forget its records."""
    _array_maps.pop(cid, None)
    _array_use_at_sync.pop(cid, None)


def _map_of(cid):
    """The ArrayMap group id of array `cid` (0: the default block map)."""
    m = _array_maps.get(cid)
    if m is None:
        m = _charmpy.collection_map(cid)
        if m < 0:
            return 0  # not created here yet and no map known: the default map
        _array_maps[cid] = m
    return m


def _mapped_pe(map_cid, index):
    """Where to send a call for element `index` of an array placed by the ArrayMap
    group `map_cid`: the PE its procNum gives; this PE when the map group has no
    element here yet (its creation, from another PE, is on the way). The runtime
    then passes the call on to the element's home once the array exists here,
    which is after its map."""
    if map_cid not in _local_groups:
        return _MY_PE
    pe = _array_map_pe(map_cid, index)
    if not 0 <= pe < _NUM_PES:
        raise IndexError('ArrayMap.procNum placed element %r on PE %d, which does not exist '
                         '(PEs are 0..%d)' % (index, pe, _NUM_PES - 1))
    return pe


def _array_map_pe(map_cid, index):
    """Runtime hook: the PE of `index` under the ArrayMap group `map_cid`."""
    mapper = _local_groups.get(map_cid)
    if mapper is None:
        raise RuntimeError('the ArrayMap group %#x has no element on PE %d yet: create the map '
                           '(Group(MyMap)) before the arrays that use it' % (map_cid, _MY_PE))
    return operator.index(mapper.procNum(index))


def create_chare(chare_type, args=[], onPE=-1):
    """Creates a single chare of class `chare_type` on PE `onPE` (-1: the runtime picks)
    and returns its proxy. The same as `Chare(chare_type, args, onPE)`."""
    info = class_info(chare_type, 'Chare()')
    args = _args_tuple(args, 'Chare()')
    if onPE is None or onPE == -1:
        pe = _charmpy.place_chare()
    else:
        pe = operator.index(onPE)
        if not 0 <= pe < _NUM_PES:
            raise IndexError('Chare(%s, onPE=%d): PE out of range; PEs are 0..%d'
                             % (info.cls.__qualname__, pe, _NUM_PES - 1))
    cid = _create(KIND_CHARE, info, None, pe, args)
    return new_proxy(info, KIND_CHARE, cid, (0,), pe)


class Group:
    """`Group(cls, args=[], onPEs=None)` creates a group of class `cls` (one element per
    PE, constructed with `args`) and returns its proxy.

        g = Group(Hello)
        g.sayHi()            # every PE
        g[3].sayHi()         # the element on PE 3

    With `onPEs` (a list of PEs) only those PEs get an element, and the result (also
    the elements' `thisProxy`) is a section proxy over them.
    """

    def __new__(cls, C, args=[], onPEs=None):
        info = class_info(C, 'Group()')
        args = _args_tuple(args, 'Group()')
        if onPEs is None:
            cid = _create(KIND_GROUP, info, None, -1, args)
            return new_proxy(info, KIND_GROUP, cid, None, -1)
        from . import section
        pes = sorted({operator.index(pe) for pe in onPEs})
        if not pes:
            raise ValueError('Group(onPEs=[]): name at least one PE')
        if pes[0] < 0 or pes[-1] >= _NUM_PES:
            raise IndexError('Group(onPEs=%r): PEs are 0..%d' % (list(onPEs), _NUM_PES - 1))
        # The elements' thisProxy is the section, whose members name the group's id,
        # known only once the group is created: its elements rebuild the section from
        # the marker (same id, root and PEs) and this PE registers the same.
        marker = section.GroupSectionMarker(_charmpy.section_new_id(), _MY_PE, tuple(pes))
        prefix = _creation_prefix
        full = ((prefix(),) if prefix is not None else ()) + (marker,) + args
        cid = _charmpy.create(KIND_GROUP, info.ctor_ids[KIND_GROUP], None, -1, full, None, 0, pes)
        return marker.section_for(cid, info)


def _dims_tuple(dims):
    if isinstance(dims, (tuple, list)):
        dims = tuple(operator.index(d) for d in dims)
    else:
        try:
            dims = (operator.index(dims),)
        except TypeError:
            raise TypeError('Array(): dims must be an int or a tuple of ints, got %r'
                            % (dims,)) from None
    if not 1 <= len(dims) <= _MAX_DIMS:
        raise ValueError('Array(): arrays have 1 to %d dimensions, got dims %r'
                         % (_MAX_DIMS, dims))
    if any(d < 0 for d in dims):
        raise ValueError('Array(): dims must not be negative, got %r' % (dims,))
    return dims


class Array:
    """`Array(cls, dims=None, ndims=-1, args=[], map=None, useAtSync=False)` creates an
    array of chares of class `cls` and returns its proxy.

    `dims` is an int (1-d) or a tuple of ints (up to 6-d); every element is constructed
    with `args`, and has `self.thisIndex` a tuple:

        a = Array(Cell, (8, 8))
        a.step()             # every element
        a[2, 3].step()       # one element

    With `dims=None` and `ndims` (1 to 6) the array is sparse: created empty, filled
    by `ckInsert` from any PE, and closed by `ckDoneInserting` (`args` is not used:
    each insertion has its own):

        a = Array(Cell, ndims=2)
        a.ckInsert((3, 5), args=[x])          # on the element's home PE
        a.ckInsert((7, 1), args=[y], onPE=2)  # on PE 2
        a[3, 5].work()                        # may be sent before it exists
        a.ckDoneInserting()
        a.step()                              # every inserted element

    `map=` (the proxy of a group of an `ArrayMap` subclass) places the elements:
    `procNum(index)` gives the PE of each element of a dense array, and of a
    sparse array the home of each inserted element (where `ckInsert` without
    onPE constructs it). With `useAtSync=True` elements call `self.AtSync()` for
    load balancing and get `resumeFromSync()` after it.
    """

    def __new__(cls, C, dims=None, ndims=-1, args=[], map=None, useAtSync=False):
        info = class_info(C, 'Array()')
        if dims is None:
            if ndims is None or ndims == -1:
                raise ValueError('Array(%s): give dims, an int or a tuple of ints'
                                 % info.cls.__qualname__)
            return _create_sparse(info, ndims, map, useAtSync)
        dims = _dims_tuple(dims)
        if ndims is not None and ndims != -1 and ndims != len(dims):
            raise ValueError('Array(): ndims=%r does not match dims %r' % (ndims, dims))
        map_cid = _map_group_id(map)
        cid = _create(KIND_ARRAY, info, dims, -1, _args_tuple(args, 'Array()'), map_cid, useAtSync)
        _array_maps[cid] = map_cid
        _array_use_at_sync[cid] = bool(useAtSync)
        return new_proxy(info, KIND_ARRAY, cid, None, -1, dims)


def _map_group_id(map):
    """The collection id of the ArrayMap group proxy `map` (0 for None)."""
    if map is None:
        return 0
    if (not isinstance(map, GroupProxy) or map._index is not None
            or not issubclass(map._info.cls, ArrayMap)):
        raise TypeError('Array(..., map=...): map must be the proxy of a Group of an '
                        'ArrayMap subclass, got %r' % (map,))
    return map._cid


def _create_sparse(info, ndims, map, useAtSync):
    try:
        ndims = operator.index(ndims)
    except TypeError:
        raise TypeError('Array(%s, ndims=%r): ndims must be an int' % (info.cls.__qualname__, ndims)) from None
    if not 1 <= ndims <= _MAX_DIMS:
        raise ValueError('Array(%s, ndims=%d): arrays have 1 to %d dimensions'
                         % (info.cls.__qualname__, ndims, _MAX_DIMS))
    map_cid = _map_group_id(map)
    cid = _charmpy.create_sparse(info.ctor_ids[KIND_ARRAY], ndims, map_cid, bool(useAtSync))
    _array_maps[cid] = map_cid
    _array_use_at_sync[cid] = bool(useAtSync)
    return new_proxy(info, KIND_ARRAY, cid, None, -1, (0,) * ndims)


# --- proxies -----------------------------------------------------------------------------

class Proxy:
    """Base class of proxies. A proxy names a collection (`_index` None) or one element
    of it (`_index` a tuple, `_pe` where the call goes). Entry methods are attributes of
    the per-class proxy classes that charmpy builds."""

    __slots__ = ('_cid', '_index', '_pe', '_dims')
    _info = None   # ClassInfo, on the per-class proxy classes
    _kind = None
    issec = False  # charm4py's mark of section proxies (section.SectionProxy: True)

    def __eq__(self, other):
        if not isinstance(other, Proxy):
            return NotImplemented
        return self._cid == other._cid and self._index == other._index

    def __ne__(self, other):
        if not isinstance(other, Proxy):
            return NotImplemented
        return self._cid != other._cid or self._index != other._index

    def __hash__(self):
        # hash(None) is address-based in CPython 3.11: use () so that hashes agree on
        # every PE (element indices are never empty).
        index = self._index
        return hash((self._cid, () if index is None else index))

    def __reduce__(self):
        return (_rebuild_proxy, (self._info.number, self._kind, self._cid, self._index,
                                 self._pe, self._dims, _array_maps.get(self._cid, 0)))

    def __getattr__(self, name):
        info = type(self)._info
        if info is None or name.startswith('__'):
            raise AttributeError(name)
        raise AttributeError(
            '%s has no entry method %r (entry methods are the public methods of the class; '
            'names starting with "_" cannot be called remotely)' % (info.cls.__qualname__, name))

    def __repr__(self):
        where = '' if self._index is None else ' index=%r pe=%d' % (self._index, self._pe)
        return '<%s of %s %#x%s>' % (type(self).__name__, _KIND_NAMES[self._kind], self._cid, where)

    @property
    def elemIdx(self):
        """charm4py's name for the index this proxy calls: the element's index (a PE
        number for a group element, a tuple for an array element or a single chare),
        or -1 (groups) / () (arrays) for the whole collection."""
        index = self._index
        if self._kind == KIND_GROUP:
            return -1 if index is None else index[0]
        return () if index is None else index

    def _element(self, index, pe):
        p = object.__new__(type(self))
        p._cid = self._cid
        p._index = index
        p._pe = pe
        p._dims = self._dims
        return p

    def _not_a_collection(self):
        return TypeError('%r is a proxy to one element; it cannot be indexed' % (self,))


class ChareProxy(Proxy):
    """Proxy of a single chare (created with `Chare(cls, ...)`)."""

    __slots__ = ()
    _kind = KIND_CHARE

    def __getitem__(self, index):
        raise self._not_a_collection()


class GroupProxy(Proxy):
    """Proxy of a group, or (`group[pe]`) of its element on one PE."""

    __slots__ = ()
    _kind = KIND_GROUP

    def __getitem__(self, pe):
        if self._index is not None:
            raise self._not_a_collection()
        if type(pe) is not int:
            if isinstance(pe, slice):
                from . import section
                return section.group_slice(self, pe)
            if isinstance(pe, (tuple, list)) and len(pe) == 1:
                pe = pe[0]
            pe = operator.index(pe)
        if not 0 <= pe < _NUM_PES:
            raise IndexError('group index %d is out of range: a group has one element per PE, '
                             'indices 0..%d' % (pe, _NUM_PES - 1))
        return self._element((pe,), pe)

    @property
    def gid(self):
        """The group's id (an int, the same on every PE)."""
        return self._cid

    def ckLocalBranch(self):
        """This PE's element of the group (the object itself)."""
        if self._cid not in _local_groups:
            raise RuntimeError('ckLocalBranch(): the group has no element on PE %d yet' % _MY_PE)
        return _local_groups[self._cid]


def _index_tuple(index):
    """`index` (an int, or a tuple or list of ints) as a tuple of ints."""
    if type(index) is int:
        return (index,)
    if isinstance(index, (tuple, list)):
        return tuple(operator.index(i) for i in index)
    return (operator.index(index),)


def _array_index(index, dims):
    """`index` (int, tuple or list of ints) as a tuple checked against `dims`."""
    index = _index_tuple(index)
    if len(index) != len(dims):
        raise IndexError('array index %r has %d dimension(s) but the array has %d (dims %r)'
                         % (index, len(index), len(dims), dims))
    for i, n in zip(index, dims):
        if not 0 <= i < n:
            raise IndexError('array index %r is out of range for dims %r' % (index, dims))
    return index


_INDEX_MIN = -(1 << 31)
_INDEX_MAX = (1 << 31) - 1


def _sparse_index(index, ndims):
    """`index` (int, tuple or list of ints) as a tuple of `ndims` 32-bit ints."""
    index = _index_tuple(index)
    if len(index) != ndims:
        raise IndexError('sparse array index %r has %d dimension(s) but the array has %d'
                         % (index, len(index), ndims))
    for i in index:
        if not _INDEX_MIN <= i <= _INDEX_MAX:
            raise IndexError('sparse array index %r: each value must fit in 32 bits' % (index,))
    return index


class ArrayProxy(Proxy):
    """Proxy of an array, or (`array[i]`, `array[i, j]`, ...) of one element. A
    sparse array's proxy (dims None) also inserts elements (`ckInsert`) and ends
    insertion (`ckDoneInserting`)."""

    __slots__ = ()
    _kind = KIND_ARRAY

    def __getitem__(self, index):
        if self._index is not None:
            raise self._not_a_collection()
        dims = self._dims
        if dims[0] == 0:  # sparse: any index of the right length; sent to its home
            if isinstance(index, slice) or (type(index) is tuple and any(isinstance(i, slice) for i in index)):
                raise TypeError('sparse arrays cannot be sliced (their elements are not known '
                                'everywhere); make a section from a list of elements instead')
            index = _sparse_index(index, len(dims))
            map_cid = _map_of(self._cid)
            if map_cid:
                return self._element(index, _mapped_pe(map_cid, index))
            return self._element(index, _charmpy.sparse_home_pe(index))
        if isinstance(index, slice) or (type(index) is tuple and any(isinstance(i, slice) for i in index)):
            from . import section
            return section.array_slice(self, index)
        index = _array_index(index, dims)
        map_cid = _map_of(self._cid)
        if map_cid and map_cid not in _local_groups:
            return self._element(index, _MY_PE)   # see _mapped_pe
        return self._element(index, _charmpy.element_pe(dims, index, map_cid))

    def ckInsert(self, index, args=[], onPE=-1, useAtSync=False):
        """Sparse arrays: inserts element `index` (an int for 1-d, else a tuple),
        constructed with `args` on PE `onPE` (-1: its home PE, which is where the
        array's map puts it when it has one). Callable from any PE and any chare;
        messages sent to the element right away wait for it.

        Raises IndexError for an index with the wrong number of dimensions or a PE
        out of range, ValueError for an index already inserted from this PE, and
        RuntimeError after ckDoneInserting has completed."""
        if self._index is not None or self._dims is None or self._dims[0] != 0:
            raise TypeError('ckInsert() is for the proxy of a sparse array '
                            '(Array(cls, ndims=n)), not %r' % (self,))
        index = _sparse_index(index, len(self._dims))
        try:
            pe = operator.index(onPE if onPE is not None else -1)
        except TypeError:
            raise TypeError('ckInsert(onPE=%r): onPE must be an int' % (onPE,)) from None
        if not -1 <= pe < _NUM_PES:
            raise IndexError('ckInsert(%r, onPE=%d): PE out of range; PEs are 0..%d (-1: the '
                             'element\'s home PE)' % (index, pe, _NUM_PES - 1))
        args = _args_tuple(args, 'ckInsert()')
        prefix = _creation_prefix
        if prefix is not None:
            args = (prefix(),) + args
        _charmpy.insert(self._cid, index, pe, self._info.ctor_ids[KIND_ARRAY], args, None,
                        _map_of(self._cid))

    def ckDoneInserting(self):
        """Sparse arrays: ends insertion. Once every insertion made before this call
        (from any PE) has landed, the elements are counted: reductions over the array
        complete from then on (contributions made earlier wait), and broadcasts made
        after this call reach every inserted element. On a dense array (whose
        elements all exist from its creation) it does nothing, as in charm4py."""
        if self._index is not None or self._dims is None:
            raise TypeError('ckDoneInserting() is for the proxy of a whole array, not %r' % (self,))
        if self._dims[0] != 0:
            return
        _charmpy.done_inserting(self._cid)

    def ckDestroy(self):
        """Destroys the whole array, on every PE: each PE deletes its elements (their
        objects are released) and everything charmpy keeps for the array. Call it on
        the proxy of the array (charm4py also accepts an element proxy, destroying
        one element: charmpy raises NotImplementedError there).

            a = Array(Worker, 2000)
            a.work(awaitable=True).get()
            a.ckDestroy()

        Calls this PE made to the array before ckDestroy are delivered first. Using a
        proxy of the array afterwards raises RuntimeError at the call (on any PE that
        has seen the destroy); a call that reaches the array after it was destroyed
        raises LookupError at its future, or aborts the job (no future) naming the
        array. Destroying an array while a reduction over it is incomplete, one of
        its elements has a suspended coroutine, or its load-balancing step runs,
        aborts the job naming the array: let that work finish first."""
        if self._index is not None:
            raise NotImplementedError(
                'ckDestroy() on %r: charmpy destroys whole arrays only (call it on the '
                'array proxy); destroying single elements is not supported' % (self,))
        _charmpy.destroy(self._cid)

    @property
    def aid(self):
        """The array's id (an int, the same on every PE)."""
        return self._cid

    @property
    def dims(self):
        """The array's dimensions (a tuple); None for a sparse array."""
        dims = self._dims
        return None if dims[0] == 0 else dims

    @property
    def ndims(self):
        """The array's number of dimensions."""
        return len(self._dims)


_PROXY_BASES = {KIND_CHARE: (ChareProxy, 'Proxy'), KIND_GROUP: (GroupProxy, 'GroupProxy'),
                KIND_ARRAY: (ArrayProxy, 'ArrayProxy')}


def _call_with_future(proxy, entry, args, kwargs, ret):
    f = futures.Future()
    try:
        index = proxy._index
        if index is None:
            _broadcast(proxy._cid, entry, args, kwargs or None, f.pe, f.fid, ret)
        else:
            f._discard = not ret
            _send(proxy._cid, index, proxy._pe, entry, args, kwargs or None, f.pe, f.fid)
    except BaseException:
        f._forget()
        raise
    return f


def _entry_caller(name, entry, func):
    """The proxy method that calls entry method `entry` (named `name`)."""
    def call(self, *args, ret=False, awaitable=False, **kwargs):
        if ret or awaitable:
            return _call_with_future(self, entry, args, kwargs, ret)
        index = self._index
        if index is None:
            _broadcast(self._cid, entry, args, kwargs or None)
        else:
            _send(self._cid, index, self._pe, entry, args, kwargs or None)
    call.__name__ = name
    call.__doc__ = getattr(func, '__doc__', None)
    call.ep = entry
    return call


def proxy_class(info, kind):
    """The proxy class of `info.cls` used as `kind` (built once): a subclass of
    ChareProxy/GroupProxy/ArrayProxy with one method per entry method."""
    cls = info.proxy_classes.get(kind)
    if cls is not None:
        return cls
    base, suffix = _PROXY_BASES[kind]
    namespace = {'__slots__': (), '_info': info, '__module__': info.cls.__module__,
                 '__doc__': 'Proxy of %s (%s).' % (info.cls.__qualname__, _KIND_NAMES[kind])}
    for name, entry in info.entries.items():
        caller = _entry_caller(name, entry, getattr(info.cls, name, None))
        caller.__qualname__ = info.cls.__qualname__ + suffix + '.' + name
        namespace[name] = caller
    cls = type(info.cls.__name__ + suffix, (base,), namespace)
    info.proxy_classes[kind] = cls
    return cls


def new_proxy(info, kind, cid, index, pe, dims=None):
    """A proxy of collection `cid` (index None) or of one of its elements."""
    p = object.__new__(proxy_class(info, kind))
    p._cid = cid
    p._index = index
    p._pe = pe
    p._dims = dims
    return p


def _rebuild_proxy(class_number, kind, cid, index, pe, dims, map_cid=0):
    """Unpickles a proxy (classes are numbered identically on every PE)."""
    if map_cid:
        _array_maps[cid] = map_cid
    return new_proxy(_by_number[class_number], kind, cid, index, pe, dims)


def callback_tuple(target):
    """`target` (a Future, `proxy.method`, `charm.thisProxy[0].exit`) as the runtime's
    callback tuple."""
    if isinstance(target, futures.Future):
        return target._callback_tuple()
    proxy = getattr(target, '__self__', None)
    entry = getattr(getattr(target, '__func__', None), 'ep', None)
    if isinstance(proxy, Proxy) and entry is not None:
        if getattr(proxy._info.cls, '_charmpy_is_runtime', False) and target.__name__ == 'exit':
            return ('exit',)
        if proxy._index is None:
            return ('broadcast', proxy._cid, entry)
        return ('element', proxy._cid, proxy._index, proxy._pe, entry)
    raise TypeError('a callback is a Future, proxy.method (of an element or a whole '
                    'collection) or charm.thisProxy[0].exit; got %r' % (target,))


def snapshot_call(args, kwargs):
    """Pickles a call's arguments now (errors surface at the call), for sending later."""
    from . import _pickling
    return _pickling.dumps((args, kwargs), None)  # as the runtime pickles: memoryviews too
