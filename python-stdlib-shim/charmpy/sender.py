"""How calls leave this PE: the one Sender object (`SENDER`) that proxies send through.

Most of the time its `send` and `broadcast` are the runtime's own functions
(`_charmpy.send`, `_charmpy.broadcast`), and a plain proxy call does not even come
here: it is sent by its C proxy method (proxy.py). While calls are held, the C
proxy methods pass every call to their Python functions, which send through here. During PE 0's
start-up phase (_startup.py) they are functions that hold the calls until the
readonlies are everywhere, and `creation_prefix` gives the object put in front of a
new collection's constructor arguments; `hold()` and `send_directly()` switch.
"""
import _charmpy

from . import _pickling


class Sender:
    """`send(cid, index, pe, entry, args, kwargs, reply_pe=-1, reply_fid=0)` sends to
    one element; `broadcast(cid, entry, args, kwargs, reply_pe=-1, reply_fid=0,
    gather=False)` to a whole collection; `creation_prefix` is None or a function
    whose result goes before a new collection's constructor arguments."""

    # Slots: reading `SENDER.send` is one attribute load and no bound method (the
    # attributes hold plain functions).
    __slots__ = ('send', 'broadcast', 'creation_prefix')

    def __init__(self):
        self.send_directly()

    def send_directly(self):
        """Calls go straight to the runtime (the normal state)."""
        self.send = _charmpy.send
        self.broadcast = _charmpy.broadcast
        self.creation_prefix = None
        _charmpy.set_calls_held(False)

    def hold(self, send, broadcast, creation_prefix):
        """Calls go to `send`/`broadcast` instead, and creations get the prefix."""
        self.send = send
        self.broadcast = broadcast
        self.creation_prefix = creation_prefix
        _charmpy.set_calls_held(True)

    def creation_args(self, args):
        """The constructor arguments a creation sends: `args` (a tuple), behind the
        start-up prefix while there is one."""
        prefix = self.creation_prefix
        return args if prefix is None else (prefix(),) + args


SENDER = Sender()


def snapshot_call(args, kwargs):
    """Pickles a call's arguments now (errors surface at the call), for sending later."""
    return _pickling.dumps((args, kwargs), None)  # as the runtime pickles: memoryviews too
