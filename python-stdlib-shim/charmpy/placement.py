"""Where elements live, as this PE knows it: its group elements, and the ArrayMap
groups that place arrays.

A proxy call to an array element goes to the PE the array's map gives (the default
block map in C, or an `ArrayMap` group's procNum); these tables let a proxy find the
map of an array and the local element of a group (`ckLocalBranch`, the map itself).
"""
import operator

import _charmpy

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()

_local_groups = {}       # collection id -> this PE's element of that group
_array_use_at_sync = {}  # collection id -> useAtSync given at creation (this PE's arrays)
# Arrays placed by an ArrayMap: array collection id -> the map group's id. Filled on
# creation, when a proxy is unpickled, and from the runtime for local arrays.
_array_maps = {}


def set_local_group(cid, element):
    """`element` is this PE's element of group `cid` (set before its constructor runs)."""
    _local_groups[cid] = element


def local_group(cid):
    """This PE's element of group `cid`, or None when it has none (yet)."""
    return _local_groups.get(cid)


def has_local_group(cid):
    return cid in _local_groups


def record_array(cid, map_cid, use_at_sync):
    """Array `cid` was created here, placed by map group `map_cid` (0: default map)."""
    _array_maps[cid] = map_cid
    _array_use_at_sync[cid] = bool(use_at_sync)


def record_map(cid, map_cid):
    """Array `cid` is placed by map group `map_cid` (learnt from an unpickled proxy)."""
    _array_maps[cid] = map_cid


def known_map(cid):
    """The map group id recorded for array `cid` (0 when none is known)."""
    return _array_maps.get(cid, 0)


def collection_destroyed(cid):
    """Runtime hook: array `cid` was destroyed on this PE (ckDestroy); forget its records."""
    _array_maps.pop(cid, None)
    _array_use_at_sync.pop(cid, None)


def map_of(cid):
    """The ArrayMap group id of array `cid` (0: the default block map)."""
    m = _array_maps.get(cid)
    if m is None:
        m = _charmpy.collection_map(cid)
        if m < 0:
            return 0  # not created here yet and no map known: the default map
        _array_maps[cid] = m
    return m


def mapped_pe(map_cid, index):
    """Where to send a call for element `index` of an array placed by the ArrayMap
    group `map_cid`: the PE its procNum gives; this PE when the map group has no
    element here yet (its creation, from another PE, is on the way). The runtime
    then passes the call on to the element's home once the array exists here,
    which is after its map."""
    if map_cid not in _local_groups:
        return _MY_PE
    pe = array_map_pe(map_cid, index)
    if not 0 <= pe < _NUM_PES:
        raise IndexError('ArrayMap.procNum placed element %r on PE %d, which does not exist '
                         '(PEs are 0..%d)' % (index, pe, _NUM_PES - 1))
    return pe


def array_map_pe(map_cid, index):
    """Runtime hook: the PE of `index` under the ArrayMap group `map_cid`."""
    mapper = _local_groups.get(map_cid)
    if mapper is None:
        raise RuntimeError('the ArrayMap group %#x has no element on PE %d yet: create the map '
                           '(Group(MyMap)) before the arrays that use it' % (map_cid, _MY_PE))
    return operator.index(mapper.procNum(index))
