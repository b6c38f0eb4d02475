"""Proxies: how a program names a collection or one of its elements, and calls them.

    g.work(x)                       # a GroupProxy: broadcast to every element
    a[1, 2].work(x)                 # an ArrayProxy of one element: one message
    f = a[1, 2].work(x, ret=True)   # a Future of the return value

Each registered class gets one proxy class per collection kind (built when first
needed), a subclass of ChareProxy, GroupProxy or ArrayProxy with one method per entry
method. A call goes out through the Sender (sender.py). The per-message path runs no Python
frame: each entry method of a proxy class, and `__getitem__` of group and array
proxies, is a `_charmpy.ProxyMethod` (embed/proxy_methods.cc) that does the common
case in C and calls the Python function defined here for everything else (keyword
arguments such as ret=, start-up, slices, mapped or sparse arrays, errors).

Proxies compare and hash by collection and index (equal on every PE), pickle (send
them as arguments), and `proxy.method` is a picklable callable usable as a callback.
Slicing a group or array proxy makes a section (section.py, which builds on proxies
and installs its slicing functions here with `use_sections`).
"""
import operator

import _charmpy

from . import futures, placement, registry
from .registry import KIND_CHARE, KIND_GROUP, KIND_ARRAY, KIND_NAMES
from .sender import SENDER

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()

# Slicing proxies makes sections: section.group_slice and section.array_slice.
_group_slice = None
_array_slice = None


def use_sections(group_slice, array_slice):
    """section.py's functions that make the section of a sliced group or array proxy
    (`g[::2]`, `a[0:4, 1:]`): sections are built on proxies, so they come from above
    (section.py hands them over when imported)."""
    global _group_slice, _array_slice
    _group_slice, _array_slice = group_slice, array_slice


def args_tuple(args, what):
    """Constructor arguments (a list or tuple; None: none) as a tuple."""
    if args is None:
        return ()
    if isinstance(args, tuple):
        return args
    if isinstance(args, list):
        return tuple(args)
    raise TypeError('%s: args must be a list (or tuple) of constructor arguments, got %r'
                    % (what, args))


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
        return (rebuild_proxy, (self._info.number, self._kind, self._cid, self._index,
                                self._pe, self._dims, placement.known_map(self._cid)))

    # No __getattr__: a class with one has every attribute read go through it, and
    # CPython cannot specialise `proxy.method(...)` (LOAD_METHOD) for it: ~500
    # instructions per call. A missing entry method raises the plain AttributeError
    # ("'WorkerArrayProxy' object has no attribute 'foo'").

    def __repr__(self):
        where = '' if self._index is None else ' index=%r pe=%d' % (self._index, self._pe)
        return '<%s of %s %#x%s>' % (type(self).__name__, KIND_NAMES[self._kind], self._cid, where)

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


# The C proxy methods read the slots above (see the module's docstring).
_charmpy.set_proxy_layout(Proxy)


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
                return _group_slice(self, pe)
            if isinstance(pe, (tuple, list)) and len(pe) == 1:
                pe = pe[0]
            pe = operator.index(pe)
        if not 0 <= pe < _NUM_PES:
            raise IndexError('group index %d is out of range: a group has one element per PE, '
                             'indices 0..%d' % (pe, _NUM_PES - 1))
        return self._element((pe,), pe)

    __getitem__ = _charmpy.ProxyMethod(_charmpy.PROXY_GROUP_ITEM, __getitem__)

    @property
    def gid(self):
        """The group's id (an int, the same on every PE)."""
        return self._cid

    def ckLocalBranch(self):
        """This PE's element of the group (the object itself)."""
        element = placement.local_group(self._cid)
        if element is None:
            raise RuntimeError('ckLocalBranch(): the group has no element on PE %d yet' % _MY_PE)
        return element


def index_tuple(index):
    """`index` (an int, or a tuple or list of ints) as a tuple of ints."""
    if type(index) is int:
        return (index,)
    if isinstance(index, (tuple, list)):
        return tuple(operator.index(i) for i in index)
    return (operator.index(index),)


def _array_index(index, dims):
    """`index` (int, tuple or list of ints) as a tuple checked against `dims`."""
    index = index_tuple(index)
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
    index = index_tuple(index)
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
            map_cid = placement.map_of(self._cid)
            if map_cid:
                return self._element(index, placement.mapped_pe(map_cid, index))
            return self._element(index, _charmpy.sparse_home_pe(index))
        if isinstance(index, slice) or (type(index) is tuple and any(isinstance(i, slice) for i in index)):
            return _array_slice(self, index)
        index = _array_index(index, dims)
        map_cid = placement.map_of(self._cid)
        if map_cid and not placement.has_local_group(map_cid):
            return self._element(index, _MY_PE)   # see placement.mapped_pe
        return self._element(index, _charmpy.element_pe(dims, index, map_cid))

    __getitem__ = _charmpy.ProxyMethod(_charmpy.PROXY_ARRAY_ITEM, __getitem__)

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
        args = SENDER.creation_args(args_tuple(args, 'ckInsert()'))
        _charmpy.insert(self._cid, index, pe, self._info.ctor_ids[KIND_ARRAY], args, None,
                        placement.map_of(self._cid))

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
            SENDER.broadcast(proxy._cid, entry, args, kwargs or None, f.pe, f.fid, ret)
        else:
            f._discard = not ret
            SENDER.send(proxy._cid, index, proxy._pe, entry, args, kwargs or None, f.pe, f.fid)
    except BaseException:
        f._forget()
        raise
    return f


def _entry_caller(name, qualname, entry, func):
    """The proxy method that calls entry method `entry` (named `name`): a
    _charmpy.ProxyMethod sending plain calls itself, and calling the function below
    for the others (keyword arguments, start-up)."""
    sender = SENDER

    def call(self, *args, ret=False, awaitable=False, **kwargs):
        if ret or awaitable:
            return _call_with_future(self, entry, args, kwargs, ret)
        index = self._index
        if index is None:
            sender.broadcast(self._cid, entry, args, kwargs or None)
        else:
            sender.send(self._cid, index, self._pe, entry, args, kwargs or None)
    call.__name__ = name
    call.__qualname__ = qualname
    call.__doc__ = getattr(func, '__doc__', None)
    call.ep = entry
    return _charmpy.ProxyMethod(_charmpy.PROXY_ENTRY_CALL, call, entry)


def proxy_class(info, kind):
    """The proxy class of `info.cls` used as `kind` (built once): a subclass of
    ChareProxy/GroupProxy/ArrayProxy with one method per entry method."""
    cls = info.proxy_classes.get(kind)
    if cls is not None:
        return cls
    base, suffix = _PROXY_BASES[kind]
    namespace = {'__slots__': (), '_info': info, '__module__': info.cls.__module__,
                 '__doc__': 'Proxy of %s (%s).' % (info.cls.__qualname__, KIND_NAMES[kind])}
    for name, entry in info.entries.items():
        namespace[name] = _entry_caller(name, info.cls.__qualname__ + suffix + '.' + name, entry,
                                        getattr(info.cls, name, None))
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


def rebuild_proxy(class_number, kind, cid, index, pe, dims, map_cid=0):
    """Unpickles a proxy (classes are numbered identically on every PE)."""
    if map_cid:
        placement.record_map(cid, map_cid)
    return new_proxy(registry.info_by_number(class_number), kind, cid, index, pe, dims)


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
