"""The chare classes registered with the runtime, and what registration gave them.

Every PE registers the same classes in the same order (charm.start), so a class's
number, its constructor ids and its entry method ids are equal on every PE: proxies,
sections and creation messages name classes and methods by these numbers. This module
owns the tables; chare.py decides which classes and methods to register.
"""
import _charmpy

KIND_CHARE = _charmpy.KIND_CHARE
KIND_GROUP = _charmpy.KIND_GROUP
KIND_ARRAY = _charmpy.KIND_ARRAY
KINDS = (KIND_CHARE, KIND_GROUP, KIND_ARRAY)
KIND_NAMES = {KIND_CHARE: 'chare', KIND_GROUP: 'group', KIND_ARRAY: 'array'}


class ClassInfo:
    """What registration gave a chare class: its number (same on every PE), its
    constructor ids per collection kind, its entry method ids by name, and its proxy
    classes (built lazily, see proxy.py) per kind."""

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
_decorated = []    # classes marked with @register, in decoration order
_done = False      # charm.start() registered the classes


def add_class(cls, coro_ctor, entry_methods):
    """Registers `cls` with the runtime (nothing when it already is): its constructor
    for the three kinds, then `entry_methods` ((name, is coroutine) pairs, in the
    order every PE uses). Returns its ClassInfo."""
    info = _infos.get(cls)
    if info is not None:
        return info
    info = ClassInfo(cls, len(_by_number))
    info.coro_ctor = coro_ctor
    for kind in KINDS:
        info.ctor_ids[kind] = _charmpy.register_constructor(cls, kind, coro_ctor)
    for name, is_coroutine in entry_methods:
        info.entries[name] = _charmpy.register_entry(cls, name, is_coroutine)
    _infos[cls] = info
    _by_number.append(info)
    return info


def finish_registration():
    """charm.start() registered every class: @register is refused from now on."""
    global _done
    _done = True


def registration_done():
    return _done


def info_of(cls):
    """The ClassInfo of registered class `cls`, or None."""
    return _infos.get(cls)


def info_by_number(number):
    """The ClassInfo of the class registered as `number` (numbers travel in messages)."""
    return _by_number[number]


def is_registered(cls):
    return cls in _infos


def mark_decorated(cls):
    """@register: `cls` is registered by charm.start() (once, in decoration order)."""
    if cls not in _decorated:
        _decorated.append(cls)


def decorated_classes():
    """The classes marked with @register, in decoration order."""
    return list(_decorated)


# (Chare, ArrayMap): the base classes, which are not chare classes themselves. Set by
# chare.py, which defines them (it builds on this module).
_base_classes = ()


def set_base_classes(chare_class, array_map_class):
    global _base_classes
    _base_classes = (chare_class, array_map_class)


def is_base_class(cls):
    """True for Chare and ArrayMap themselves."""
    return cls in _base_classes


def is_array_map(cls):
    """True for ArrayMap subclasses."""
    return isinstance(cls, type) and issubclass(cls, _base_classes[1])


def class_info(cls, what):
    """The ClassInfo of `cls`; TypeError when it is not a Chare subclass, RuntimeError
    when it is not registered. `what` names the caller in the message."""
    info = _infos.get(cls) if isinstance(cls, type) else None
    if info is not None:
        return info
    if not (isinstance(cls, type) and issubclass(cls, _base_classes[0])) or cls in _base_classes:
        raise TypeError('%s needs a Chare subclass (class MyChare(Chare): ...), got %r'
                        % (what, cls))
    if not _done:
        raise RuntimeError('%s: charm.start() has not run yet; create chares from the entry '
                           'function (or from other chares)' % what)
    raise RuntimeError(
        '%s: class %s.%s is not registered; charm.start() registers the Chare subclasses of '
        '__main__, of charm.start(classes=[...]) and modules=[...], and those decorated with '
        '@register (defined before charm.start())' % (what, cls.__module__, cls.__qualname__))
