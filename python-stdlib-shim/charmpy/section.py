"""Sections: ordered subsets of the elements of one or more collections.

    evens = g[::2]                          # a section of a group (PEs 0, 2, 4, ...)
    box = a[0:4, 2:5]                       # a section of a 2-d array
    left, right = charm.split(a, 2, elems=[[(i,) for i in range(4)], [(i,) for i in range(4, 8)]])
    odd, even = charm.split(a, 2, lambda obj: obj.thisIndex[0] % 2)   # section_func
    (first,) = charm.split(a, 1, elems=[0, 2, 5])   # one section: its indices flat
    both = charm.combine(left, g)           # over several collections
    box.work(x)                             # a broadcast to the section's members
    self.contribute(x, Reducer.sum, cb, section=box)   # a reduction over them
    self.contribute(x, Reducer.sum, box.collect)       # result broadcast to the section

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

from . import futures, placement, registry
from .proxy import ArrayProxy, Proxy, index_tuple, new_proxy, use_sections
from .registry import KIND_ARRAY, KIND_GROUP

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()
_registered = set()  # section ids this PE's runtime knows


class SectionProxy:
    """Proxy of a section. `section.method(*args, ret=False, awaitable=False)` calls
    `method` on every member; `ret=True` gives a Future of the list of return values in
    section order. Compares and hashes by section, pickles, and `section.method` is a
    picklable callable usable as a reduction or quiescence callback.

    As in charm4py, `issec` is True (False on the proxies of collections and of their
    elements) and `section` is the pair (root PE, section id), the same on every PE.
    A section of one collection also gives its members' element proxies
    (`section[i]`, e.g. `Group(C, onPEs=pes)[pe]`), sub-sections by slicing
    (`section[::2]`, `section[0:4, 1:]`) and, of a group, `ckLocalBranch()`."""

    __slots__ = ('_sid', '_root', '_members', '_classes', '_by_index', '__weakref__')
    issec = True

    def __init__(self, sid, root, members, classes):
        self._sid = sid
        self._root = root
        self._members = members   # tuple of (collection id, index tuple, pe)
        self._classes = classes   # tuple of (collection id, class number, kind, dims)
        self._by_index = None     # index -> member, built when first indexed

    @property
    def section(self):
        """(root PE, section id): names the section (charm4py's `proxy.section`)."""
        return (self._root, self._sid)

    def _register(self):
        if self._sid not in _registered:
            _charmpy.section_register(self._sid, self._root, self._members)
            _registered.add(self._sid)
        return self._sid

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        for _, number, _, _ in self._classes:
            info = registry.info_by_number(number)
            if name not in info.entries:
                raise AttributeError('%s has no entry method %r (entry methods are the public '
                                     'methods of the class)' % (info.cls.__qualname__, name))
        return SectionMethod(self, name)

    def _only_collection(self, what):
        if len(self._classes) != 1:
            raise TypeError('%s: %r spans several collections (charm.combine); use the proxy of '
                            'one of them' % (what, self))
        return self._classes[0]

    def __getitem__(self, key):
        """`section[index]`: the proxy of that member; `section[slices]`: the section of
        the members inside them."""
        cid, number, kind, dims = self._only_collection('indexing a section proxy')
        if _has_slice(key):
            inside = _slice_test(key, kind, dims)
            chosen = [m for m in self._members if inside(m[1])]
            if not chosen:
                raise ValueError('slice %r selects no member of %r' % (key, self))
            return new_section(chosen, self._classes)
        index = _normalise_index(key, kind)
        if dims is not None and len(index) != len(dims):
            raise IndexError('array index %r has %d dimension(s) but the array has %d'
                             % (key, len(index), len(dims)))
        if self._by_index is None:
            self._by_index = {m[1]: m for m in self._members}
        member = self._by_index.get(index)
        if member is None:
            raise IndexError('%r is not a member of %r; index the proxy of the collection for '
                             'other elements' % (key, self))
        return new_proxy(registry.info_by_number(number), kind, cid, index, member[2], dims)

    def ckLocalBranch(self):
        """This PE's element of the group the section is made of (the object itself)."""
        cid, _, kind, _ = self._only_collection('ckLocalBranch()')
        element = placement.local_group(cid) if kind == KIND_GROUP else None
        if element is None:
            raise RuntimeError('ckLocalBranch(): %r has no group element on PE %d'
                               % (self, _MY_PE))
        return element

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
        entries = tuple((cid, registry.info_by_number(number).entries[name])
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
                             ((cid, info.number, KIND_GROUP, None),))
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
    if proxy._kind == KIND_GROUP:
        return [(proxy._cid, (pe,), pe) for pe in range(_NUM_PES)]
    if proxy._kind == KIND_ARRAY:
        return _array_members(proxy, itertools.product(*(range(n) for n in proxy._dims)))
    raise TypeError('sections are made of groups and arrays, not of single chares (%r)' % (proxy,))


def _array_members(proxy, indices):
    map_cid = placement.map_of(proxy._cid)
    dims = proxy._dims
    return [(proxy._cid, index, _charmpy.element_pe(dims, index, map_cid)) for index in indices]


def members_and_classes(proxy):
    """(members, classes) of a collection or section proxy."""
    if isinstance(proxy, SectionProxy):
        return list(proxy._members), list(proxy._classes)
    if not isinstance(proxy, Proxy):
        raise TypeError('expected the proxy of a group, an array or a section, got %r' % (proxy,))
    return _members_of_collection(proxy), [_class_entry(proxy)]


def group_slice(proxy, key):
    """`group[start:stop:step]`: the section of those PEs."""
    pes = range(_NUM_PES)[key]
    return new_section([(proxy._cid, (pe,), pe) for pe in pes], [_class_entry(proxy)])


def _dimension_ranges(key, dims):
    """Per dimension of an array with `dims`, the indices `key` (slices and ints, one
    per dimension) selects."""
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
    return ranges


def array_slice(proxy, key):
    """`array[0:4, 2:5]` (slices and ints per dimension): the section of that box."""
    members = _array_members(proxy, itertools.product(*_dimension_ranges(key, proxy._dims)))
    if not members:
        raise ValueError('array slice %r selects no element' % (key,))
    return new_section(members, [_class_entry(proxy)])


def _has_slice(key):
    return isinstance(key, slice) or (type(key) is tuple and any(isinstance(k, slice) for k in key))


def _slice_test(key, kind, dims):
    """A function telling whether a member index lies inside `key`, a group slice of
    PEs or an array slice (one slice or int per dimension)."""
    if kind == KIND_GROUP:
        if not isinstance(key, slice):
            raise TypeError('a group is sliced with one slice of PEs, got %r' % (key,))
        pes = set(range(_NUM_PES)[key])
        return lambda index: index[0] in pes
    ranges = [set(r) for r in _dimension_ranges(key, dims)]
    return lambda index: all(i in r for i, r in zip(index, ranges))


def _normalise_index(index, kind):
    if kind == KIND_GROUP:
        if isinstance(index, (tuple, list)):
            index = index[0] if len(index) == 1 else index
        return (operator.index(index),)
    return index_tuple(index)


def _section_lists(elems, numsections):
    """`elems` as one collection of indices per section. As in charm4py, with one
    section its indices may be given flat (`elems=[1, 3]`, `elems=[(0, 1), (2, 3)]`):
    a list whose first item is not itself a list or set of indices."""
    elems = list(elems)
    if numsections == 1 and elems and not isinstance(elems[0], (list, set, frozenset, range)):
        elems = [elems]
    if len(elems) != numsections:
        raise ValueError('charm.split(): elems has %d lists for %d sections'
                         % (len(elems), numsections))
    return elems


def _pick_elems(proxy, members, classes, elems):
    """The members of each section named by `elems` (lists of indices), in the order
    of `members`. In a combined section an index names the members of every
    collection that have it (charm4py's elems name elements by index only)."""
    by_index = {}
    for member in members:
        by_index.setdefault(member[1], []).append(member)
    group_only = all(c[2] == KIND_GROUP for c in classes)
    position = {(m[0], m[1]): i for i, m in enumerate(members)}
    chosen = []
    for i, indices in enumerate(elems):
        picked = set()
        for index in indices:
            key = _normalise_index(index, KIND_GROUP if group_only else KIND_ARRAY)
            found = by_index.get(key)
            if not found:
                raise ValueError('charm.split(): element %r (section %d) is not a member of %r'
                                 % (index, i, proxy))
            picked.update(found)
        chosen.append(sorted(picked, key=lambda m: position[(m[0], m[1])]))
    return chosen


def split(proxy, numsections, section_func=None, elems=None, slicing=None):
    """`charm.split(proxy, numsections, section_func=None, elems=None)`: a list of
    `numsections` section proxies over the members of `proxy` (a group, an array or a
    section). `elems[i]` lists the indices of section i (with one section, the list of
    indices itself may be given); or `section_func(obj)`, run where each member lives,
    returns the section number(s) of that member (a negative number or an empty list:
    none). With section_func, call split from a coroutine. `slicing` (one section: a
    tuple of slices, one per array dimension) is what `proxy[slices]` uses."""
    numsections = operator.index(numsections)
    if numsections < 1:
        raise ValueError('charm.split(): numsections must be >= 1, got %d' % numsections)
    if _is_sparse_array(proxy):
        return _split_sparse(proxy, numsections, section_func, elems)
    members, classes = members_and_classes(proxy)
    if elems is not None:  # as in charm4py, elems wins over section_func
        chosen = _pick_elems(proxy, members, classes, _section_lists(elems, numsections))
    elif slicing is not None:
        if numsections != 1 or len(classes) != 1:
            raise ValueError('charm.split(slicing=...) makes one section of one collection')
        inside = _slice_test(slicing, classes[0][2], classes[0][3])
        chosen = [[m for m in members if inside(m[1])]]
    elif section_func is not None:
        shipped = ship_function(section_func)
        source = proxy if isinstance(proxy, SectionProxy) else (
            new_section(members, classes))
        answers = source._broadcast('_charmpy_section_of', (shipped,), None, ret=True).get()
        chosen = [[] for _ in range(numsections)]
        for member, answer in zip(source._members, answers):
            if isinstance(answer, BaseException):
                raise answer
            numbers = answer if isinstance(answer, (list, tuple, set)) else (answer,)
            for n in numbers:
                n = operator.index(n)
                if n >= numsections:
                    raise ValueError('charm.split(): section_func returned section %d for %r; '
                                     'sections are 0..%d' % (n, member[1], numsections - 1))
                if n >= 0:
                    chosen[n].append(member)
    else:
        raise TypeError('charm.split(): give section_func (the third argument) or elems')
    return [_section_or_error(picked, classes, i) for i, picked in enumerate(chosen)]


def _is_sparse_array(proxy):
    return (not isinstance(proxy, SectionProxy) and isinstance(proxy, ArrayProxy)
            and proxy._index is None and proxy._dims is not None and proxy._dims[0] == 0)


def _split_sparse(proxy, numsections, section_func, elems):
    """split() over a sparse array, whose elements no PE knows all of: every inserted
    element says where it lives (and its section numbers under `section_func`), so
    call it from a coroutine, as charm4py's split; `elems` then names members among
    them."""
    if elems is None and section_func is None:
        raise TypeError('charm.split(): give section_func (the third argument) or elems')
    shipped = None if elems is not None else ship_function(section_func)
    answers = sorted(proxy._charmpy_indexed_section_of(shipped, ret=True).get(),
                     key=lambda a: a[0])
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    classes = [_class_entry(proxy)]
    if elems is not None:
        where = {index: pe for index, pe, _ in answers}
        chosen = []
        for i, indices in enumerate(_section_lists(elems, numsections)):
            picked = set()
            for index in indices:
                key = proxy[index]._index              # checks the index's form
                if key not in where:
                    raise ValueError('charm.split(): element %r (section %d) was not inserted '
                                     'in %r' % (key, i, proxy))
                picked.add(key)
            chosen.append([(proxy._cid, key, where[key]) for key in sorted(picked)])
    else:
        chosen = [[] for _ in range(numsections)]
        for index, pe, answer in answers:
            numbers = answer if isinstance(answer, (list, tuple, set)) else (answer,)
            for n in numbers:
                n = operator.index(n)
                if n >= numsections:
                    raise ValueError('charm.split(): section_func returned section %d for %r; '
                                     'sections are 0..%d' % (n, index, numsections - 1))
                if n >= 0:
                    chosen[n].append((proxy._cid, index, pe))
    return [_section_or_error(picked, classes, i) for i, picked in enumerate(chosen)]


def _section_or_error(members, classes, i):
    if not members:
        raise ValueError('charm.split(): section %d would have no member' % i)
    used = {m[0] for m in members}
    return new_section(members, [c for c in classes if c[0] in used])


def combine(*proxies):
    """`charm.combine(*proxies)`: one section over the members of every proxy (groups,
    arrays and sections, of one or several collections); members in several of them
    count once. Supports broadcasts and reductions. Members are in section order:
    collections in the order they first appear, indices ascending within each (so
    `ret=True` and gather over parts of one collection follow its indices, as in
    charm4py)."""
    if not proxies:
        raise TypeError('charm.combine() needs at least one proxy')
    by_collection, classes = {}, []   # collection id -> {index: member}
    for proxy in proxies:
        if _is_sparse_array(proxy):
            raise TypeError('charm.combine(): the elements of sparse array %r are not known '
                            'here; combine a section of it (charm.split(array, 1, elems=[...]))'
                            % (proxy,))
        m, c = members_and_classes(proxy)
        for entry in c:
            if entry[0] not in by_collection:
                by_collection[entry[0]] = {}
                classes.append(entry)
        for member in m:
            by_collection[member[0]].setdefault(member[1], member)
    members = [member for entry in classes
               for _, member in sorted(by_collection[entry[0]].items())]
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


# Proxies make sections when sliced (`g[::2]`, `a[0:4, 1:]`): they call these.
use_sections(group_slice, array_slice)
