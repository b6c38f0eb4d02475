"""Creating chares and collections: `Chare(cls, ...)`, `Group(cls, ...)`, `Array(cls, ...)`.

    c = Chare(Worker, args=[1], onPE=2)     # a single chare (on PE 2)
    g = Group(Worker, args=[1])             # one element per PE
    a = Array(Worker, (4, 4), args=[1])     # a 4x4 array of elements
    s = Array(Worker, ndims=2)              # a sparse array, filled by ckInsert

Each returns the proxy of what it created; the constructors run where the elements
live (construction.py). During PE 0's start-up phase the constructor arguments carry
the readonlies in front (Sender.creation_args).
"""
import operator

import _charmpy

from . import placement, registry
from .proxy import GroupProxy, args_tuple, new_proxy
from .registry import KIND_CHARE, KIND_GROUP, KIND_ARRAY, class_info
from .section import GroupSectionMarker
from .sender import SENDER

_MAX_DIMS = 6

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()


def _create(kind, info, dims, on_pe, args, map_cid=0, use_at_sync=False):
    args = SENDER.creation_args(args)
    return _charmpy.create(kind, info.ctor_ids[kind], dims, on_pe, args, None, map_cid, None,
                           bool(use_at_sync))


def create_chare(chare_type, args=[], onPE=-1):
    """Creates a single chare of class `chare_type` on PE `onPE` (-1: the runtime picks)
    and returns its proxy. The same as `Chare(chare_type, args, onPE)`."""
    info = class_info(chare_type, 'Chare()')
    args = args_tuple(args, 'Chare()')
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
        args = args_tuple(args, 'Group()')
        if onPEs is None:
            cid = _create(KIND_GROUP, info, None, -1, args)
            return new_proxy(info, KIND_GROUP, cid, None, -1)
        pes = sorted({operator.index(pe) for pe in onPEs})
        if not pes:
            raise ValueError('Group(onPEs=[]): name at least one PE')
        if pes[0] < 0 or pes[-1] >= _NUM_PES:
            raise IndexError('Group(onPEs=%r): PEs are 0..%d' % (list(onPEs), _NUM_PES - 1))
        # The elements' thisProxy is the section, whose members name the group's id,
        # known only once the group is created: its elements rebuild the section from
        # the marker (same id, root and PEs) and this PE registers the same.
        marker = GroupSectionMarker(_charmpy.section_new_id(), _MY_PE, tuple(pes))
        full = SENDER.creation_args((marker,) + args)
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
        cid = _create(KIND_ARRAY, info, dims, -1, args_tuple(args, 'Array()'), map_cid, useAtSync)
        placement.record_array(cid, map_cid, useAtSync)
        return new_proxy(info, KIND_ARRAY, cid, None, -1, dims)


def _map_group_id(map):
    """The collection id of the ArrayMap group proxy `map` (0 for None)."""
    if map is None:
        return 0
    if (not isinstance(map, GroupProxy) or map._index is not None
            or not registry.is_array_map(map._info.cls)):
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
    placement.record_array(cid, map_cid, useAtSync)
    return new_proxy(info, KIND_ARRAY, cid, None, -1, (0,) * ndims)
