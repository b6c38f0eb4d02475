"""Sections: ordered subsets of the elements of one or more collections.

    evens = g[::2]                          # a section of a group (PEs 0, 2, 4, ...)
    box = a[0:4, 2:5]                       # a section of a 2-d array
    left, right = charm.split(a, 2, elems=[[(i,) for i in range(4)], [(i,) for i in range(4, 8)]])
    odd, even = charm.split(a, 2, section_func=lambda obj: obj.thisIndex[0] % 2)
    both = charm.combine(left, g)           # over several collections
    box.work(x)                             # a broadcast to the section's members
    self.contribute(x, Reducer.sum, cb, section=box)   # a reduction over them

A section proxy carries its whole description (an id made by the PE that created it,
that PE as its root, and every member as (collection id, index, PE)), so any PE holding
the proxy can tell its runtime about the section; the runtime routes broadcasts through
the root, which numbers them (every member sees them in one order), and reduces over a
spanning tree of the member PEs rooted there. Members are in section order: collections
in the order given, indices ascending within each; `ret=True` broadcasts and gather
reductions follow that order.
"""
import itertools
import marshal
import operator
import pickle
import sys
import types

import _charmpy

from . import chare as _chare
from . import futures

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()
_registered = set()  # section ids this PE's runtime knows


class SectionProxy:
    """Proxy of a section. `section.method(*args, ret=False, awaitable=False)` calls
    `method` on every member; `ret=True` gives a Future of the list of return values in
    section order. Compares and hashes by section, pickles, and `section.method` is a
    picklable callable usable as a reduction callback."""

    __slots__ = ('_sid', '_root', '_members', '_classes', '__weakref__')

    def __init__(self, sid, root, members, classes):
        self._sid = sid
        self._root = root
        self._members = members   # tuple of (collection id, index tuple, pe)
        self._classes = classes   # tuple of (collection id, class number, kind, dims)

    def _register(self):
        if self._sid not in _registered:
            _charmpy.section_register(self._sid, self._root, self._members)
            _registered.add(self._sid)
        return self._sid

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        for _, number, _, _ in self._classes:
            info = _chare._by_number[number]
            if name not in info.entries:
                raise AttributeError('%s has no entry method %r (entry methods are the public '
                                     'methods of the class)' % (info.cls.__qualname__, name))
        return SectionMethod(self, name)

    def __getitem__(self, key):
        raise TypeError('a section proxy cannot be indexed; split it (charm.split) or use the '
                        'proxy of the collection for single elements')

    def __len__(self):
        return len(self._members)

    def __eq__(self, other):
        if not isinstance(other, SectionProxy):
            return NotImplemented
        return self._sid == other._sid

    def __ne__(self, other):
        if not isinstance(other, SectionProxy):
            return NotImplemented
        return self._sid != other._sid

    def __hash__(self):
        return hash(('section', self._sid))

    def __reduce__(self):
        return SectionProxy, (self._sid, self._root, self._members, self._classes)

    def __repr__(self):
        return '<SectionProxy %d:%d of %d members>' % (
            (self._sid >> 32) & 0x7fffffff, self._sid & 0xffffffff, len(self._members))

    def _broadcast(self, name, args, kwargs, ret=False, awaitable=False):
        sid = self._register()
        entries = tuple((cid, _chare._by_number[number].entries[name])
                        for cid, number, _, _ in self._classes)
        if not (ret or awaitable):
            _charmpy.section_broadcast(sid, entries, args, kwargs or None)
            return None
        f = futures.Future()
        try:
            _charmpy.section_broadcast(sid, entries, args, kwargs or None, f.pe, f.fid, bool(ret))
        except BaseException:
            f._forget()
            raise
        return f


class SectionMethod:
    """`section.method`: calling it broadcasts to the section."""

    __slots__ = ('__self__', '__name__')

    def __init__(self, proxy, name):
        self.__self__ = proxy
        self.__name__ = name

    def __call__(self, *args, ret=False, awaitable=False, **kwargs):
        return self.__self__._broadcast(self.__name__, args, kwargs, ret, awaitable)

    def __reduce__(self):
        return getattr, (self.__self__, self.__name__)

    def __eq__(self, other):
        return (isinstance(other, SectionMethod) and self.__self__ == other.__self__
                and self.__name__ == other.__name__)

    def __hash__(self):
        return hash((self.__self__, self.__name__))

    def __repr__(self):
        return '<method %s of %r>' % (self.__name__, self.__self__)


class GroupSectionMarker:
    """Put before the constructor arguments of a group created with onPEs: the
    section (id, root PE, PEs) its elements see as thisProxy."""

    __slots__ = ('sid', 'root', 'pes')

    def __init__(self, sid, root, pes):
        self.sid = sid
        self.root = root
        self.pes = pes

    def __reduce__(self):
        return GroupSectionMarker, (self.sid, self.root, self.pes)

    def section_for(self, cid, info):
        proxy = SectionProxy(self.sid, self.root, tuple((cid, (pe,), pe) for pe in self.pes),
                             ((cid, info.number, _chare.KIND_GROUP, None),))
        proxy._register()
        return proxy


# --- making sections ------------------------------------------------------------------

def _class_entry(proxy):
    return (proxy._cid, proxy._info.number, proxy._kind, proxy._dims)


def new_section(members, classes):
    """A new section rooted on this PE over `members` ((cid, index, pe) in section
    order) of the collections `classes` describes."""
    if not members:
        raise ValueError('a section needs at least one member')
    proxy = SectionProxy(_charmpy.section_new_id(), _MY_PE, tuple(members), tuple(classes))
    proxy._register()
    return proxy


def _members_of_collection(proxy):
    """Every element of a collection proxy, in index order."""
    if proxy._index is not None:
        raise TypeError('%r is the proxy of one element, not of a collection or section' % (proxy,))
    if proxy._kind == _chare.KIND_GROUP:
        return [(proxy._cid, (pe,), pe) for pe in range(_NUM_PES)]
    if proxy._kind == _chare.KIND_ARRAY:
        return _array_members(proxy, itertools.product(*(range(n) for n in proxy._dims)))
    raise TypeError('sections are made of groups and arrays, not of single chares (%r)' % (proxy,))


def _array_members(proxy, indices):
    map_cid = _chare._map_of(proxy._cid)
    dims = proxy._dims
    return [(proxy._cid, index, _charmpy.element_pe(dims, index, map_cid)) for index in indices]


def members_and_classes(proxy):
    """(members, classes) of a collection or section proxy."""
    if isinstance(proxy, SectionProxy):
        return list(proxy._members), list(proxy._classes)
    if not isinstance(proxy, _chare.Proxy):
        raise TypeError('expected the proxy of a group, an array or a section, got %r' % (proxy,))
    return _members_of_collection(proxy), [_class_entry(proxy)]


def group_slice(proxy, key):
    """`group[start:stop:step]`: the section of those PEs."""
    pes = range(_NUM_PES)[key]
    return new_section([(proxy._cid, (pe,), pe) for pe in pes], [_class_entry(proxy)])


def array_slice(proxy, key):
    """`array[0:4, 2:5]` (slices and ints per dimension): the section of that box."""
    dims = proxy._dims
    key = key if isinstance(key, tuple) else (key,)
    if len(key) != len(dims):
        raise IndexError('array slice %r has %d dimension(s) but the array has %d (dims %r)'
                         % (key, len(key), len(dims), dims))
    ranges = []
    for k, n in zip(key, dims):
        if isinstance(k, slice):
            ranges.append(range(n)[k])
        else:
            i = operator.index(k)
            if not 0 <= i < n:
                raise IndexError('array index %d is out of range for dims %r' % (i, dims))
            ranges.append((i,))
    members = _array_members(proxy, itertools.product(*ranges))
    if not members:
        raise ValueError('array slice %r selects no element' % (key,))
    return new_section(members, [_class_entry(proxy)])


def _normalise_index(index, kind):
    if kind == _chare.KIND_GROUP:
        if isinstance(index, (tuple, list)):
            index = index[0] if len(index) == 1 else index
        return (operator.index(index),)
    return _chare._index_tuple(index)


def split(proxy, numsections, section_func=None, elems=None):
    """`charm.split(proxy, numsections, section_func=None, elems=None)`: a list of
    `numsections` section proxies over the members of `proxy` (a group, an array or a
    section). `elems[i]` lists the indices of section i; or `section_func(obj)`, run
    where each member lives, returns the section number(s) of that member (a negative
    number or an empty list: none). With section_func, call split from a coroutine."""
    numsections = operator.index(numsections)
    if numsections < 1:
        raise ValueError('charm.split(): numsections must be >= 1, got %d' % numsections)
    if (section_func is None) == (elems is None):
        raise TypeError('charm.split(): give exactly one of section_func and elems')
    members, classes = members_and_classes(proxy)
    if elems is not None:
        if len(elems) != numsections:
            raise ValueError('charm.split(): elems has %d lists for %d sections'
                             % (len(elems), numsections))
        if len(classes) != 1:
            raise TypeError('charm.split(elems=...) needs a proxy of one collection; split '
                            'combined sections with section_func')
        cid, _, kind, _ = classes[0]
        by_index = {m[1]: m for m in members}
        chosen = []
        for i, indices in enumerate(elems):
            picked = []
            for index in indices:
                key = _normalise_index(index, kind)
                member = by_index.get(key)
                if member is None:
                    raise ValueError('charm.split(): element %r (section %d) is not a member of %r'
                                     % (index, i, proxy))
                picked.append(member)
            chosen.append(sorted(set(picked), key=lambda m: m[1]))
    else:
        shipped = ship_function(section_func)
        source = proxy if isinstance(proxy, SectionProxy) else (
            new_section(members, classes))
        answers = source._broadcast('_charmpy_section_of', (shipped,), None, ret=True).get()
        chosen = [[] for _ in range(numsections)]
        for member, answer in zip(source._members, answers):
            numbers = answer if isinstance(answer, (list, tuple, set)) else (answer,)
            for n in numbers:
                n = operator.index(n)
                if n >= numsections:
                    raise ValueError('charm.split(): section_func returned section %d for %r; '
                                     'sections are 0..%d' % (n, member[1], numsections - 1))
                if n >= 0:
                    chosen[n].append(member)
    return [_section_or_error(picked, classes, i) for i, picked in enumerate(chosen)]


def _section_or_error(members, classes, i):
    if not members:
        raise ValueError('charm.split(): section %d would have no member' % i)
    used = {m[0] for m in members}
    return new_section(members, [c for c in classes if c[0] in used])


def combine(*proxies):
    """`charm.combine(*proxies)`: one section over the members of every proxy (groups,
    arrays and sections, of one or several collections); members in several of them
    count once. Supports broadcasts and reductions."""
    if not proxies:
        raise TypeError('charm.combine() needs at least one proxy')
    members, classes, seen, seen_classes = [], [], set(), set()
    for proxy in proxies:
        m, c = members_and_classes(proxy)
        for member in m:
            key = (member[0], member[1])
            if key not in seen:
                seen.add(key)
                members.append(member)
        for entry in c:
            if entry[0] not in seen_classes:
                seen_classes.add(entry[0])
                classes.append(entry)
    return new_section(members, classes)


def section_of(proxy):
    """The section id of `section=` arguments (registering it on this PE)."""
    if proxy is None:
        return 0
    if not isinstance(proxy, SectionProxy):
        raise TypeError('section= takes a section proxy (from charm.split, slicing, '
                        'charm.combine or Group(onPEs=...)), got %r' % (proxy,))
    return proxy._register()


# --- shipping section_func --------------------------------------------------------------

def ship_function(func, what='section_func'):
    """`func` in a form that travels: pickled when it has a module-level name, else
    (lambdas, nested functions without closures) its code with its module's name.
    `what` names the caller's argument in errors."""
    if not callable(func):
        raise TypeError('%s must be callable, got %r' % (what, func))
    try:
        return ('pickle', pickle.dumps(func))
    except (pickle.PicklingError, AttributeError, TypeError):
        pass
    code = getattr(func, '__code__', None)
    if code is None or func.__closure__:
        raise TypeError('%s: %r cannot be sent to other PEs: use a module-level function '
                        'or a lambda that does not capture local variables' % (what, func))
    return ('code', func.__module__, marshal.dumps(code), func.__defaults__)


def unship_function(shipped):
    if shipped[0] == 'pickle':
        return pickle.loads(shipped[1])
    _, module, code, defaults = shipped
    return types.FunctionType(marshal.loads(code), sys.modules[module].__dict__, None, defaults)
