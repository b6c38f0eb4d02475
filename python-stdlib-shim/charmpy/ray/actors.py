"""Actors: `@ray.remote class A`, `a = A.remote(*args)`, `a.method.remote(*args)`.

An actor is a single chare of a class made from the user's class and `ActorChare`,
registered with the program's chare classes (the decorator runs on every PE at
import). `A.remote()` places it round robin over the PEs from the creating PE (as
charm4py does) and returns an `ActorHandle` at once; handles pickle, so actors can be
passed to tasks and other actors.

Calls run one at a time, in the order each caller made them: every call carries the
caller PE's sequence number for that actor, and the actor queues what arrives early.
One fiber (the pump) runs the queue: for each call it waits for the reference
arguments, then runs the method, which may itself wait (`ray.get`) without letting the
next call start (Ray's actors run one method at a time). The constructor is the first
call; if it raises, every later call fails with RayActorError. The results of a call
are held on the actor's PE (actors are not migratable, so that PE stays theirs).
"""
import collections

import _charmpy

from .. import pool_tasks
from ..chare import Chare, register
from ..creation import create_chare
from .object_ref import call_ref, slots
from .object_store import created, flush, held, node_or_init, store
from .resolve import copied, resolve, result_values
from .tasks import cancelled_failure
from .exceptions import RayActorError
from .object_ref import MY_PE, NUM_PES, READY, FAILED, new_uid

_placed = 0          # actors created from this PE (round-robin placement)
_sequence = {}       # actor id -> number of this PE's next call to it


class ActorChare(Chare):
    """The chare side of every actor class: the call queue and its pump."""

    _charmpy_hidden_entries = ('_charmpy_ray_call',)

    def __init__(self):
        self._charmpy_ray_queue = collections.deque()
        self._charmpy_ray_next = {}      # caller PE -> sequence number expected next
        self._charmpy_ray_early = {}     # (caller PE, seq) -> call that came early
        self._charmpy_ray_running = False
        self._charmpy_ray_ready = False  # the constructor ran
        self._charmpy_ray_dead = None    # failure of the constructor
        self.setMigratable(False)

    def _charmpy_ray_call(self, caller, seq, name, args, kwargs, uids):
        call = [name, args, kwargs, uids, False]   # [..., cancelled]
        cancel = _cancel_hook(call, self._charmpy_ray_label(name))
        for uid in uids:
            h = created(uid, caller)
            if h is not None:
                if h.cancel == 'requested':
                    cancel()
                h.cancel = cancel
        expected = self._charmpy_ray_next.get(caller, 0)
        if seq != expected:
            self._charmpy_ray_early[(caller, seq)] = call
            return
        early = self._charmpy_ray_early
        while True:
            if call[0] == '__init__':
                self._charmpy_ray_queue.appendleft(call)
            else:
                self._charmpy_ray_queue.append(call)
            seq += 1
            call = early.pop((caller, seq), None) if early else None
            if call is None:
                break
        self._charmpy_ray_next[caller] = seq
        queue = self._charmpy_ray_queue
        if not self._charmpy_ray_running and (self._charmpy_ray_ready or queue[0][0] == '__init__'):
            self._charmpy_ray_running = True
            _charmpy.spawn(self._charmpy_ray_pump, ())
        flush()

    def _charmpy_ray_label(self, name):
        return '%s.%s' % (type(self).__qualname__, name)

    def _charmpy_ray_pump(self):
        queue = self._charmpy_ray_queue
        while queue and (self._charmpy_ray_ready or queue[0][0] == '__init__'):
            name, args, kwargs, uids, cancelled = queue.popleft()
            if not cancelled:
                self._charmpy_ray_run(name, args, kwargs, uids)
            del args, kwargs
            flush()
        self._charmpy_ray_running = False

    def _charmpy_ray_run(self, name, args, kwargs, uids):
        label = self._charmpy_ray_label(name)
        for uid in uids:
            h = held.get(uid)
            if h is not None:
                h.cancel = None   # started: no longer cancellable
        failure = None
        if self._charmpy_ray_dead is not None:
            failure = (label, (RayActorError('the actor %s could not be created:\n%s'
                                             % (type(self).__qualname__, self._charmpy_ray_dead)),
                               self._charmpy_ray_dead, 'RayActorError'))
        else:
            args, kwargs, failure = resolve(args, kwargs or {}, 'the arguments of ' + label)
        if failure is None:
            try:
                if name == '__init__':
                    type(self)._charmpy_ray_user_init(self, *args, **kwargs)
                    values = []
                else:
                    values = result_values(getattr(self, name)(*args, **kwargs),
                                                   len(uids), label)
                    values = [copied(v) for v in values]   # later changes of the actor's state stay out
            except Exception as e:
                failure = (label, pool_tasks.error_tuple(e))
        if name == '__init__':
            self._charmpy_ray_ready = True
            if failure is not None:
                self._charmpy_ray_dead = failure[1][1]
            return
        if failure is not None:
            for uid in uids:
                store(uid, FAILED, failure)
        else:
            for uid, value in zip(uids, values):
                store(uid, READY, value)



def _cancel_hook(call, label):
    """ray.cancel() of a queued call: marks it (the pump skips it), fails its results."""
    def cancel():
        if not call[4]:
            call[4] = True
            for uid in call[3]:
                store(uid, FAILED, cancelled_failure(label))
    return cancel


class ActorMethod:
    """`handle.method`: call it with `.remote(*args, **kwargs)`."""

    __slots__ = ('handle', 'name', 'num_returns')

    def __init__(self, handle, name, num_returns):
        self.handle = handle
        self.name = name
        self.num_returns = num_returns

    def remote(self, *args, **kwargs):
        """Calls the method on the actor; returns the ObjectRef of its result at once
        (a list of them with num_returns > 1)."""
        return self.handle.call(self.name, args, kwargs, self.num_returns)

    def options(self, num_returns=None, **ignored):
        return ActorMethod(self.handle, self.name,
                           self.num_returns if num_returns is None else num_returns)

    def __call__(self, *args, **kwargs):
        raise TypeError("Actor methods cannot be called directly. Instead of running "
                        "'actor.%s()', try 'actor.%s.remote()'." % (self.name, self.name))


class ActorHandle:
    """A reference to an actor: `handle.method.remote(...)`. Pickles (pass it to tasks
    and other actors); calls from one PE run in the order they were made."""

    def __init__(self, proxy, pe, actor_id, class_name, methods):
        self._proxy = proxy
        self._pe = pe
        self._actor_id = actor_id
        self._class_name = class_name
        self._methods = methods   # name -> num_returns

    def __getattr__(self, name):
        methods = self.__dict__.get('_methods')
        if methods is None or name not in methods:
            raise AttributeError("'ActorHandle' of %s has no method %r"
                                 % (self.__dict__.get('_class_name', '?'), name))
        return ActorMethod(self, name, methods[name])

    def call(self, name, args, kwargs, num_returns):
        if type(num_returns) is not int or num_returns < 0:
            raise ValueError('num_returns must be an int >= 0, got %r' % (num_returns,))
        node_or_init('%s.%s.remote()' % (self._class_name, name))
        seq = _sequence.get(self._actor_id, 0)
        uids = [new_uid() for _ in range(num_returns)]
        refs = [call_ref(uid, self._pe) for uid in uids]
        try:
            self._proxy._charmpy_ray_call(MY_PE, seq, name, args, kwargs or None, uids)
        except Exception as e:
            for uid in uids:
                slots.pop(uid, None)
            raise type(e)('%s.%s.remote(): the arguments cannot be sent: %s'
                          % (self._class_name, name, e)) from e
        _sequence[self._actor_id] = seq + 1
        flush()
        if num_returns == 1:
            return refs[0]
        return refs if num_returns else None

    def __reduce__(self):
        return (ActorHandle, (self._proxy, self._pe, self._actor_id, self._class_name,
                              self._methods))

    def __repr__(self):
        return 'Actor(%s, on PE %d)' % (self._class_name, self._pe)


class ActorClass:
    """What `@ray.remote` makes of a class: `A.remote(*args, **kwargs)` creates an actor."""

    def __init__(self, cls, chare_class, methods):
        self._cls = cls
        self._chare_class = chare_class
        self._methods = methods
        self.__name__ = cls.__name__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def remote(self, *args, **kwargs):
        """Creates the actor (placed round robin from this PE) and returns its handle."""
        global _placed
        node_or_init('%s.remote()' % self.__name__)
        pe = (MY_PE + _placed) % NUM_PES
        _placed += 1
        proxy = create_chare(self._chare_class, [], pe)
        handle = ActorHandle(proxy, pe, new_uid(), self.__name__, self._methods)
        handle.call('__init__', args, kwargs, 0)
        return handle

    def options(self, **ignored):
        """Ray's actor options (resources, names) are accepted and ignored."""
        return self

    def __call__(self, *args, **kwargs):
        raise TypeError("Actors cannot be instantiated directly. Instead of '%s()', use "
                        "'%s.remote()'." % (self.__name__, self.__name__))


def actor_class(cls):
    """`@ray.remote` on a class: registers its chare class and returns the ActorClass."""
    methods = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if callable(value) and not name.startswith('__'):
                methods[name] = getattr(value, '_charmpy_ray_num_returns', 1)
    chare_class = type(cls.__name__, (cls, ActorChare), {
        '__init__': ActorChare.__init__,
        '__module__': cls.__module__,
        '__qualname__': cls.__qualname__,
        '_charmpy_ray_user_init': cls.__init__,
    })
    register(chare_class)
    return ActorClass(cls, chare_class, methods)


def method(num_returns=1):
    """`@ray.method(num_returns=n)` on an actor method."""
    def mark(func):
        func._charmpy_ray_num_returns = num_returns
        return func
    return mark
