"""Building chares on the PE where they live: the runtime's make_chare hook (a new
element, with thisProxy and thisIndex set before its constructor runs) and the
migration hooks (pack_chare / unpack_chare: a chare's state leaves one PE and is
rebuilt on another).

What a creation puts in front of the constructor arguments is taken off here: the
start-up state (readonlies, see _startup.py) and a group section's marker
(Group(cls, onPEs=...): the elements' thisProxy is the section).
"""
import functools

import _charmpy

from . import _startup, ending, futures, placement, registry
from .proxy import new_proxy
from .registry import KIND_CHARE, KIND_GROUP, KIND_ARRAY
from .section import GroupSectionMarker

_MY_PE = _charmpy.my_pe()


def _construct(obj, args, kwargs):
    try:
        if kwargs:
            obj.__init__(*args, **kwargs)
        else:
            obj.__init__(*args)
    except SystemExit as e:
        ending.exit_program(ending.exit_code(e))


def _construct_main(obj, args, kwargs):
    try:
        _construct(obj, args, kwargs)
    finally:
        _startup.end()


def make_chare(cls, kind, cid, index, dims, args, kwargs):
    """make_chare hook: the element of collection `cid` with `index` on this PE, with
    thisProxy and thisIndex set, and the callable that runs its `__init__(*args,
    **kwargs)` (on a fiber of its own when it is a coroutine). The runtime calls
    that once it knows the object as its chare, so that a constructor may
    contribute, allreduce or migrate as any entry method may."""
    if args and type(args[0]) is _startup.StartupState:
        _startup.apply(args[0])
        args = args[1:]
    group_section = None
    if args and type(args[0]) is GroupSectionMarker:
        group_section, args = args[0], args[1:]
    info = registry.info_of(cls)
    obj = cls.__new__(cls)
    if kind == KIND_ARRAY:
        obj.thisIndex = index
        obj.thisProxy = new_proxy(info, KIND_ARRAY, cid, None, -1, tuple(dims))
    elif kind == KIND_GROUP:
        obj.thisIndex = index[0]
        if group_section is not None:
            obj.thisProxy = group_section.section_for(cid, info)
        else:
            obj.thisProxy = new_proxy(info, KIND_GROUP, cid, None, -1)
        placement.set_local_group(cid, obj)
    else:
        obj.thisIndex = index
        obj.thisProxy = new_proxy(info, KIND_CHARE, cid, index, _MY_PE)
    construct = _construct
    if kind == KIND_CHARE and _startup.claim_main_chare(cid):
        _startup.begin()
        construct = _construct_main
    if info.coro_ctor and not _charmpy.current_fiber():
        # The constructor may suspend: run it on its own fiber. The element exists (and
        # gets messages) meanwhile, as in charm4py; awaitCreation waits for the end.
        obj._charmpy_constructing = futures.Future()
        return obj, functools.partial(_charmpy.spawn, _construct_on_fiber, (construct, obj, args, kwargs))
    return obj, functools.partial(construct, obj, args, kwargs)


# Attributes the runtime sets on every chare: rebuilt on the new PE, never pickled.
_RUNTIME_ATTRIBUTES = frozenset(('thisProxy', 'thisIndex'))
# The runtime's per-chare state that moves with a migrating chare, whatever its
# __getstate__ says: its channels (ends, counts, unread and early messages).
_MIGRATING_RUNTIME_STATE = ('_charmpy_channels',)


def pack_chare(obj):
    """Migration hook: the state of `obj` for the runtime to pickle, as (custom,
    state, runtime_state): its __getstate__() when the class defines one, else its
    __dict__ without the runtime's attributes; runtime_state holds the runtime's
    state that moves with it (pickled together, so channel objects held in the
    chare's attributes stay the ones its channel state names)."""
    runtime_state = {k: obj.__dict__[k] for k in _MIGRATING_RUNTIME_STATE if k in obj.__dict__}
    getstate = getattr(type(obj), '__getstate__', None)
    if getstate is not None and getstate is not object.__getstate__:
        return (True, obj.__getstate__(), runtime_state)
    state = {k: v for k, v in obj.__dict__.items()
             if k not in _RUNTIME_ATTRIBUTES and not k.startswith('_charmpy_')}
    return (False, state, runtime_state)


def set_attributes(obj, state):
    """obj.__dict__.update(state) without asking for the __dict__: CPython 3.11 keeps
    an object's attributes inline until something asks for its __dict__, and from
    then on no longer specialises `self.x` in its methods (every attribute read of
    every entry method of a migrated chare took the slow path). Each attribute is
    set with object.__setattr__ (the class's own __setattr__ is bypassed, as
    __dict__.update does), unless a name is not a string or names a data
    descriptor of the class (a property: only __dict__.update bypasses it)."""
    cls = type(obj)
    for name in state:
        if type(name) is not str or hasattr(type(getattr(cls, name, None)), '__set__'):
            obj.__dict__.update(state)
            return
    setattr_ = object.__setattr__
    for name, value in state.items():
        setattr_(obj, name, value)


def unpack_chare(cls, kind, cid, index, dims, home_pe, packed):
    """Migration hook: rebuilds a chare of class `cls` from pack_chare's state
    (unpickled; its arrays view the migration message)."""
    info = registry.info_of(cls)
    obj = cls.__new__(cls)
    custom, state, runtime_state = packed
    if custom and hasattr(obj, '__setstate__'):
        obj.__setstate__(state)
    else:
        set_attributes(obj, state)
    set_attributes(obj, runtime_state)
    if kind == KIND_ARRAY:
        obj.thisIndex = index
        obj.thisProxy = new_proxy(info, KIND_ARRAY, cid, None, -1, tuple(dims))
    else:
        obj.thisIndex = index
        obj.thisProxy = new_proxy(info, KIND_CHARE, cid, index, home_pe)
    return obj


def _construct_on_fiber(construct, obj, args, kwargs):
    try:
        construct(obj, args, kwargs)
    finally:
        # Not obj.__dict__.pop: asking for the __dict__ slows `self.x` (set_attributes).
        constructing = object.__getattribute__(obj, '_charmpy_constructing')
        object.__delattr__(obj, '_charmpy_constructing')
        constructing._deliver(None, False)
