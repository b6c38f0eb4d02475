"""The start-up phase on PE 0: readonlies reach every PE before the entry's calls.

The guarantee (see charmpy/readonlies.py): attributes the entry sets on `readonlies`
before it first suspends are on every PE before any chare it created runs a method;
a constructor sees the readonlies set before its collection was created.

How, with only what `_charmpy` offers:

1. INIT: from the start of the entry (the main function, or the constructor of the
   entry chare class) until it first suspends or returns, PE 0 *holds* every entry
   method call (proxies send through the Sender, sender.py, which holds them here),
   and puts a `StartupState` (the readonlies as of now, and the runtime group's proxy)
   in front of the constructor arguments of every collection it creates;
   construction.make_chare applies it before constructing. Creation cannot be held:
   the proxy needs the collection id that `_charmpy.create` returns.
2. SYNCING: at the first suspension (or return) the readonlies are frozen and, if the
   entry set any, broadcast to the runtime group (`CharmRemote`) with a reply; calls
   stay held, creations carry the frozen readonlies.
3. DONE: once every PE acknowledged (or at once when no readonly was set), the held
   calls are sent in their original order and the Sender sends directly again, so
   nothing of this stays on the hot path.

The readonlies module counts the assignments made to it with the module type defined
here (`ReadonliesModule`), so that PE 0 knows whether there is anything to send.

Held calls are pickled when made, so an argument that does not pickle fails at the
call, and later changes to the objects are not seen; with options.local_msg_optim,
calls to elements on PE 0 keep their argument objects (by reference), as they would
unheld.
Readonlies only flow from PE 0's start-up phase: later assignments stay on their PE.
"""
import pickle
import types

import _charmpy

from . import futures, pool, readonlies
from .sender import SENDER, snapshot_call

_MY_PE = _charmpy.my_pe()

INIT, SYNCING, DONE = 'init', 'syncing', 'done'
phase = DONE
remote = None          # proxy of the runtime's group (charm.thisProxy) on this PE
_main_chare_cid = None  # entry chare class: id of the main chare, until it is constructed
_sync_entry = None     # entry id of CharmRemote._charmpy_startup
_held = []             # calls to send once the readonlies are everywhere, in order
_frozen = None         # the StartupState broadcast at the end of INIT
_applied_version = 0   # newest readonlies version applied on this PE
_local_by_reference = False  # options.local_msg_optim: held same-PE calls keep their objects


_readonly_version = 0  # assignments to the readonlies on this PE (ReadonliesModule)


class ReadonliesModule(types.ModuleType):
    """The type of the `readonlies` module: a plain module that counts assignments to
    its public names in `_readonly_version` (kept here: a class attribute would show
    through the program's namespace, e.g. as `ro.version` when not set)."""

    def __setattr__(self, name, value):
        global _readonly_version
        types.ModuleType.__setattr__(self, name, value)
        if not name.startswith('_'):
            _readonly_version += 1

    def __delattr__(self, name):
        global _readonly_version
        types.ModuleType.__delattr__(self, name)
        if not name.startswith('_'):
            _readonly_version += 1


readonlies.__class__ = ReadonliesModule


def _readonly_values():
    """The readonlies as a dict (public names only)."""
    return {k: v for k, v in vars(readonlies).items() if not k.startswith('_')}


def configure(sync_entry, local_by_reference):
    """charm.start(): the entry id of CharmRemote._charmpy_startup, and whether held
    same-PE calls keep their argument objects (options.local_msg_optim)."""
    global _sync_entry, _local_by_reference
    _sync_entry = sync_entry
    _local_by_reference = bool(local_by_reference)


def set_remote(proxy):
    """The runtime group's proxy (charm.thisProxy), once known on this PE."""
    global remote
    if remote is None:
        remote = proxy


def set_main_chare(cid):
    """The entry is a chare class: `cid` is its chare, whose constructor is the entry."""
    global _main_chare_cid
    _main_chare_cid = cid


def claim_main_chare(cid):
    """True (once) when single chare `cid` is the main chare: its construction begins
    the start-up phase."""
    global _main_chare_cid
    if cid != _main_chare_cid:
        return False
    _main_chare_cid = None
    return True


class StartupState:
    """What a creation made during start-up carries to every PE: the readonlies (None
    when there are none) with their version, the runtime group's proxy and the id of
    the pool's group (so both are known before their own creation reaches the PE)."""

    __slots__ = ('version', 'values', 'remote', 'pool_cid')

    def __init__(self, version, values, remote, pool_cid):
        self.version = version
        self.values = values
        self.remote = remote
        self.pool_cid = pool_cid

    def __reduce__(self):
        return (StartupState, (self.version, self.values, self.remote, self.pool_cid))


def _current_state():
    if _frozen is not None:
        return _frozen
    version = _readonly_version
    return StartupState(version, _readonly_values() if version else None, remote, pool.group_id())


def apply(state):
    """Applies a StartupState received with a creation or from PE 0's broadcast."""
    global remote, _applied_version
    if remote is None:
        remote = state.remote
    if state.pool_cid is not None:
        pool.set_group(state.pool_cid)
    if _MY_PE != 0 and state.values is not None and state.version > _applied_version:
        vars(readonlies).update(state.values)  # not counted as local changes
        _applied_version = state.version


# --- holding calls -------------------------------------------------------------------

def _hold_send(cid, index, pe, entry, args, kwargs, reply_pe=-1, reply_fid=0):
    if pe == _MY_PE and _local_by_reference:
        def release():
            _charmpy.send(cid, index, pe, entry, args, kwargs, reply_pe, reply_fid)
    else:
        blob = snapshot_call(args, kwargs)

        def release():
            a, k = pickle.loads(blob)
            _charmpy.send(cid, index, pe, entry, a, k, reply_pe, reply_fid)
    _held.append(release)


def _hold_broadcast(cid, entry, args, kwargs, reply_pe=-1, reply_fid=0, gather=False):
    blob = snapshot_call(args, kwargs)

    def release():
        a, k = pickle.loads(blob)
        _charmpy.broadcast(cid, entry, a, k, reply_pe, reply_fid, bool(gather))
    _held.append(release)


def begin():
    """Starts the INIT phase (PE 0, right before the entry's code runs)."""
    global phase, _frozen
    phase = INIT
    _frozen = None
    SENDER.hold(_hold_send, _hold_broadcast, _current_state)
    futures.before_suspend = end


def end():
    """Ends INIT (the entry suspends for the first time, or returned)."""
    global phase, _frozen
    if phase != INIT:
        return
    phase = SYNCING
    futures.before_suspend = None
    if not _readonly_version:
        _release()
        return
    _frozen = _current_state()
    f = futures.Future()
    f._on_done(_release)
    _charmpy.broadcast(remote.gid, _sync_entry, (_frozen,), None, f.pe, f.fid, False)


def _release(f=None):
    """DONE: the Sender sends directly again, and the held calls go out in order."""
    global phase
    phase = DONE
    SENDER.send_directly()
    held = list(_held)
    del _held[:]
    for release in held:
        release()
    if f is not None and f._exc is not None:
        raise f._exc


def before_exit():
    """charm.exit() during start-up: best effort, send what is held (after the
    readonlies) so that the calls made before exit() still go out."""
    global phase
    if phase == DONE:
        return
    futures.before_suspend = None
    if _readonly_version and remote is not None:
        state = _frozen if _frozen is not None else _current_state()
        _charmpy.broadcast(remote.gid, _sync_entry, (state,), None)
    _release()
