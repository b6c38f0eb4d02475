"""Channels: direct, ordered streams of messages between two chares.

    # in chare A (a coroutine):            # in chare B (a coroutine):
    ch = Channel(self, remote=b_proxy)     ch = Channel(self, remote=a_proxy)
    ch.send(x, y)                          x, y = ch.recv()

Both ends create the channel with the other's element proxy; the k-th channel A
opens towards B pairs with the k-th B opens towards A. `send(*args)` never waits;
`recv()` (coroutines only) returns the next message in send order: the single
argument, or the tuple when several were sent. Channels work with `charm.wait` and
`charm.iwait`. NumPy arrays travel as in any call (no pickling of their data).
Messages that arrive before the receiving end exists are kept for it. A chare's
channels move with it when it migrates (the runtime carries its `_charmpy_channels`
state, see charm._pack_chare): unread messages travel, and the channel objects the
chare holds in its own attributes are the ones its channel state names.
"""
import _charmpy

from . import futures


def _key(cid, index):
    return (cid, index if type(index) is tuple else (index,))


def _own_key(chare):
    """(collection id, index tuple) naming `chare` as its element proxies do."""
    proxy = chare.thisProxy
    index = getattr(proxy, '_index', None)
    if index is None:  # groups and arrays: thisProxy is the collection's proxy
        index = chare.thisIndex
    return _key(proxy._cid, index)


class Channel:
    """One end of a channel between the local chare `chare` and the chare behind
    the element proxy `remote`."""

    def __init__(self, chare, remote, local=None):
        if getattr(chare, 'thisProxy', None) is None:
            raise TypeError('Channel(chare, remote=...): chare must be the local chare object '
                            '(self), got %r' % (chare,))
        index = getattr(remote, '_index', None)
        if index is None:
            raise TypeError('Channel(chare, remote=...): remote must be a proxy to one chare '
                            '(an element proxy such as arr[i]), got %r' % (remote,))
        self._remote = remote
        self._remote_key = _key(remote._cid, index)
        self._local_key = _own_key(chare)
        state = chare.__dict__.setdefault('_charmpy_channels', {})
        counts = state.setdefault('counts', {})
        self._number = counts.get(self._remote_key, 0)
        counts[self._remote_key] = self._number + 1
        self._sent = 0
        self._next = 0
        self._messages = {}
        self._waiter = None
        self._callbacks = []
        ends = state.setdefault('ends', {})
        ends[(self._remote_key, self._number)] = self
        early = state.get('early', {}).pop((self._remote_key, self._number), None)
        if early:
            self._messages.update(early)

    @property
    def remote(self):
        """The proxy of the chare at the other end."""
        return self._remote

    def send(self, *args):
        """Sends the arguments as one message (in order with this end's other sends)."""
        self._remote._charmpy_channel_recv(self._local_key, self._number, self._sent, args)
        self._sent += 1

    def recv(self):
        """The next message (waits in a coroutine until it arrives)."""
        while self._next not in self._messages:
            if self._waiter is not None:
                raise RuntimeError('two coroutines wait on the same channel')
            self._waiter = futures.current_fiber_or_raise('Channel.recv()')
            futures.about_to_wait()
            try:
                _charmpy.suspend(self)
            finally:
                self._waiter = None
        args = self._messages.pop(self._next)
        self._next += 1
        return args[0] if len(args) == 1 else args

    def ready(self):
        """True when recv() would return without waiting."""
        return self._next in self._messages

    def _on_done(self, fn):
        """Calls fn(self) once a message is ready (now if one is): for charm.iwait."""
        if self.ready():
            fn(self)
        else:
            self._callbacks.append(fn)

    def _deliver(self, seq, args):
        self._messages[seq] = args
        if seq != self._next:
            return
        if self._waiter is not None:
            _charmpy.resume(self._waiter)
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn(self)

    def __getstate__(self):
        # Migration: no coroutine waits on a migrating chare's channels (the runtime
        # moves only elements with no suspended coroutine), so `_waiter` is empty and
        # `_callbacks` holds only stale charm.wait/iwait hooks of coroutines that ended.
        state = self.__dict__.copy()
        state['_waiter'] = None
        state['_callbacks'] = []
        return state

    def __repr__(self):
        return '<Channel #%d to %r>' % (self._number, self._remote)


def deliver(chare, sender_key, number, seq, args):
    """The receiving side of Channel.send (the hidden entry method of every chare)."""
    state = chare.__dict__.setdefault('_charmpy_channels', {})
    end = state.get('ends', {}).get((sender_key, number))
    if end is None:
        state.setdefault('early', {}).setdefault((sender_key, number), {})[seq] = args
    else:
        end._deliver(seq, args)
