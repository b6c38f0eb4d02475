"""The runtime as Python sees it: the `charm` object (one per PE).

    from charmpy import charm, Chare, Group

    class Hello(Chare):
        def hi(self):
            return charm.myPe()

    def main(args):                      # runs on PE 0, as a coroutine
        g = Group(Hello)
        print(g.hi(ret=True).get())      # [0, 1, ..., numPes-1]
        charm.exit()

    charm.start(main)                    # every PE calls it

`charm.start` registers the chare classes (the same order on every PE), hands the
package's hooks to the runtime (`_charmpy.set_hooks`) and runs the scheduler until the
program exits, then ends the process with the exit code.
"""
import importlib
import inspect
import operator
import platform
import sys
import traceback

import _charmpy

from . import (_output, _startup, chare, construction, diagnosis, ending, futures, placement,
               pool, reduction, registry, section, topology, when)
from .chare import Chare, Group, Array, ArrayMap
from .coro import coro
from .proxy import Proxy, callback_tuple, new_proxy
from .registry import KIND_CHARE, KIND_GROUP, class_info
from .options import Options

# The deadlock report, and SIGUSR1 printing what every PE runs and waits for: from
# import on, so that a signal during start-up does not end the PE.
diagnosis.install()

_MY_PE = _charmpy.my_pe()
_NUM_PES = _charmpy.num_pes()


# charm4py's numbers for the collection kinds a class is registered for
# (charm.register(C, collections=(GROUP, ARRAY))); charmpy registers every chare
# class for every kind.
MAINCHARE, GROUP, ARRAY = range(3)


class CharmLib:
    """`charm.lib`: in charm4py, its binding to the Charm++ library. charmpy has no
    Charm++ underneath; this object answers what programs read from it (`name`, which
    charm4py prints in its banner, and a few Charm++ calls with a charmpy meaning) and
    names anything else as missing."""

    name = 'charmpy'
    direct_copy_supported = True  # NumPy and buffer arguments travel without pickling

    def CkMyPe(self):
        return _MY_PE

    def CkNumPes(self):
        return _NUM_PES

    def CkExit(self, exitCode=0):
        charm.exit(exitCode)

    def CkAbort(self, message):
        charm.abort(message)

    def LBTurnInstrumentOn(self):
        _charmpy.lb_instrument(True)

    def LBTurnInstrumentOff(self):
        _charmpy.lb_instrument(False)

    def __getattr__(self, name):
        raise AttributeError(
            'charm.lib.%s: charmpy runs on its own runtime, not on the Charm++ library, so '
            'charm.lib only offers name, direct_copy_supported, CkMyPe(), CkNumPes(), CkExit(), '
            'CkAbort(), LBTurnInstrumentOn() and LBTurnInstrumentOff(); use the charm object '
            'instead' % name)

    def __repr__(self):
        return '<charm.lib: charmpy (no Charm++ library)>'


class Charm:
    """The runtime (one instance per PE: `charm`).

    Start and end: `start`, `exit`, `abort`. Where am I: `myPe`, `numPes`, `myHost`,
    `numHosts`, `getHostPes`, `getHostFirstPe`, `getHostNumPes`, `getPeHost`,
    `getPeHostRank`, `getTopoTreeEdges`, `getTopoSubtrees`. Waiting (coroutines):
    `awaitCreation`, `wait`, `iwait`, `sleep`, `waitQD`. `options` holds the options;
    `thisProxy` is the runtime's own group (remote `exit`, `updateGlobals`, `exec`,
    `eval`); `Future`/`createFuture` create futures. Also charm4py's `started`,
    `interactive` (False), `reducers` (= Reducer), `register(C)`, `addReducer(func)`,
    `print_dbg` and `lib` (see CharmLib).
    """

    def __init__(self):
        self.options = Options()
        self._started = False
        self._layout = None
        self.Future = futures.Future
        self.createFuture = futures.Future
        self.interactive = False   # charm4py's interactive mode is not available
        self.lib = CharmLib()

    @property
    def started(self):
        """True once charm.start() has been called on this PE."""
        return self._started

    @property
    def reducers(self):
        """The reducers (the same object as `Reducer`)."""
        return reduction.Reducer

    def register(self, C, collections=(GROUP, ARRAY)):
        """Registers chare class `C` (the same as the `@register` decorator; call it
        before charm.start()). `collections` is accepted for charm4py programs:
        charmpy registers every class for groups, arrays and single chares."""
        chare.register(C)

    def addReducer(self, func):
        """Adds a Python reducer on this PE (`Reducer.addReducer(func)`)."""
        reduction.Reducer.addReducer(func)

    def print_dbg(self, *args, **kwargs):
        """print(), prefixed with this PE's number."""
        print('PE', _MY_PE, ':', *args, **kwargs)

    # --- start and end ---------------------------------------------------------
    def start(self, entry=None, classes=[], modules=[], interactive=False):
        """Starts the program; every PE calls it, and it does not return (the process
        exits with the program's exit code).

        Registers the Chare subclasses of `__main__`, those in `classes`, those of the
        modules named in `modules` (imported if needed) and those marked `@register`,
        in an order identical on every PE. Then runs `entry` on PE 0 as a coroutine:
        a function called with the program's argv list (`args[0]` is the script), or a
        Chare subclass constructed as a single chare on PE 0 with argv as its one
        argument (its constructor then is a coroutine).
        """
        if self._started:
            raise RuntimeError('charm.start() can only be called once')
        if interactive:
            raise NotImplementedError('charm.start(interactive=True): the interactive mode '
                                      'comes with a later issue')
        if entry is not None and not callable(entry):
            raise TypeError('charm.start(entry): entry must be a function taking the argv '
                            'list, or a Chare subclass; got %r' % (entry,))
        entry_is_class = isinstance(entry, type)
        if entry_is_class:
            if not issubclass(entry, Chare) or entry in (Chare, ArrayMap):
                raise TypeError('charm.start(entry): a class entry must be a Chare subclass, '
                                'got %r' % (entry,))
            if entry.__init__ is Chare.__init__:
                raise TypeError('charm.start(%s): the entry chare class must define '
                                '__init__(self, args)' % entry.__qualname__)
            coro(entry.__init__)  # the main chare's constructor may suspend
        self._started = True

        if self.options.quiet and '++quiet' not in sys.argv:
            sys.argv.append('++quiet')
        sys.argv[:] = _charmpy.consume_flags(sys.argv)
        if _charmpy.runtime_flags().get('quiet'):
            self.options.quiet = True

        _output.install()  # every PE's output reaches mpirun as whole lines
        _charmpy.set_profiling(bool(self.options.profiling))
        _charmpy.set_local_calls(bool(self.options.local_msg_optim), (Proxy, futures.Future))
        chare.register_classes(_classes_to_register(classes, modules))
        _startup.configure(class_info(CharmRemote, 'start').entries['_charmpy_startup'],
                           self.options.local_msg_optim)
        _charmpy.set_hooks(make_chare=construction.make_chare, deliver_future=futures.deliver_future,
                           array_map_pe=placement.array_map_pe,
                           reduction_done=reduction.reduction_done,
                           numeric_reduction_done=reduction.numeric_reduction_done,
                           allreduce_done=reduction.allreduce_done,
                           recheck_waiting=when.recheck,
                           pack_chare=construction.pack_chare,
                           unpack_chare=construction.unpack_chare,
                           collection_destroyed=placement.collection_destroyed,
                           format_exception=futures.format_exception)
        if _MY_PE == 0 and not self.options.quiet:
            print('charmpy> running on %d PE%s (%d host%s), Python %s'
                  % (_NUM_PES, '' if _NUM_PES == 1 else 's', self.numHosts(),
                     '' if self.numHosts() == 1 else 's', platform.python_version()))
            sys.stdout.flush()
        code = _charmpy.start(lambda: _run_entry(entry, entry_is_class))
        raise SystemExit(code)

    def exit(self, exit_code=0):
        """Ends the program on every PE with `exit_code` (callable from anywhere; returns,
        and the PE stops once it is back in the scheduler; a PE still busy 1.5 s after
        another stopped is ended by force, with the same code). `exit_code` follows
        `sys.exit`: an int, None (0) or a string (printed to stderr, code 1); anything
        else is a TypeError. `exit()`/`sys.exit()` in the entry or in a chare do the same."""
        if exit_code is None:
            code = 0
        elif isinstance(exit_code, str):
            sys.stderr.write(exit_code + '\n')
            sys.stderr.flush()
            code = 1
        else:
            try:
                code = operator.index(exit_code)
            except TypeError:
                raise TypeError('charm.exit: the exit code must be an int, None or a string '
                                '(as for sys.exit), not %s %r'
                                % (type(exit_code).__name__, exit_code)) from None
        ending.exit_program(code)

    def abort(self, message):
        """Prints `message` naming this PE, with the Python stack of the caller (as
        charm4py's documentation says), and ends the job with a non-zero code."""
        sys.stdout.flush()
        sys.stderr.write('charm.abort() on PE %d, Python stack (most recent call last):\n' % _MY_PE)
        traceback.print_stack(sys._getframe(1), file=sys.stderr)
        sys.stderr.flush()
        _charmpy.abort(str(message))

    @property
    def thisProxy(self):
        """Proxy of the runtime's own group: `charm.thisProxy.updateGlobals(...)`,
        `charm.thisProxy[0].exit` (a callback), `charm.thisProxy[pe].createArray(...)`
        and `createGroup(...)` (create from PE pe; ret=True gives the proxy),
        `exec`/`rexec`/`eval` (with options.remote_exec). None until the group exists
        on this PE."""
        return _startup.remote

    @property
    def pool(self):
        """The pool of workers on every PE: `charm.pool.map(func, iterable)`,
        `map_async`, `submit`, `submit_async`, `Task` (see charmpy/pool.py)."""
        return _POOL

    # --- where am I ---------------------------------------------------------------
    def myPe(self):
        """This PE's number (its MPI rank)."""
        return _MY_PE

    def numPes(self):
        """The number of PEs."""
        return _NUM_PES

    def _host_layout(self):
        if self._layout is None:
            self._layout = _charmpy.host_layout()
        return self._layout

    def myHost(self):
        """The number of the host (physical node) this PE runs on."""
        return self._host_layout()[0]

    def numHosts(self):
        """The number of hosts."""
        return len(self._host_layout()[2])

    def _host_pes(self, host):
        hosts = self._host_layout()[2]
        if not 0 <= host < len(hosts):
            raise IndexError('host %r is out of range; hosts are 0..%d' % (host, len(hosts) - 1))
        return hosts[host]

    def _check_pe(self, pe):
        if not 0 <= pe < _NUM_PES:
            raise IndexError('PE %r is out of range; PEs are 0..%d' % (pe, _NUM_PES - 1))

    def getHostPes(self, host):
        """The PEs of `host`, a list in increasing order."""
        return list(self._host_pes(host))

    def getHostFirstPe(self, host):
        """The lowest PE of `host`."""
        return self._host_pes(host)[0]

    def getHostNumPes(self, host):
        """The number of PEs on `host`."""
        return len(self._host_pes(host))

    def getPeHost(self, pe):
        """The host that PE `pe` runs on."""
        self._check_pe(pe)
        return self._host_layout()[1][pe]

    def getPeHostRank(self, pe):
        """The rank of PE `pe` among the PEs of its host (0 for the host's first PE)."""
        self._check_pe(pe)
        return self._host_pes(self._host_layout()[1][pe]).index(pe)

    def getTopoTreeEdges(self, pe, root_pe, pes=None, bfactor=4):
        """`(parent, children)` of `pe` in a spanning tree of `pes` (all PEs when None)
        rooted at `root_pe`, which must be `pes[0]`; parent is None at the root.

        The tree follows the hosts: the other PEs are ordered with those of the root's
        host first, then host by host, and cut into up to `bfactor` consecutive blocks
        (whole hosts per block when there are enough hosts, else each host cut into
        blocks of nearly equal size); the first PE of each block is a child of the root
        and, recursively, the root of the tree of its block. So `getTopoSubtrees` gives
        exactly the blocks, and calling it again on a block gives that subtree.
        """
        pes = topology.tree_pes(root_pe, pes)
        if pe not in pes:
            raise ValueError('getTopoTreeEdges: PE %r is not in pes' % (pe,))
        parent = None
        while True:
            blocks = topology.topo_blocks(pes, bfactor, self._host_layout()[1])
            if pe == pes[0]:
                return parent, [b[0] for b in blocks]
            parent = pes[0]
            pes = next(b for b in blocks if pe in b)

    def getTopoSubtrees(self, root_pe, pes, bfactor=4):
        """The subtrees of `root_pe` in the spanning tree of `pes` (see getTopoTreeEdges):
        a list of lists of PEs, the first PE of each being the subtree's root."""
        return topology.topo_blocks(topology.tree_pes(root_pe, pes), bfactor, self._host_layout()[1])

    # --- waiting (coroutines) -------------------------------------------------------
    def awaitCreation(self, *proxies):
        """Waits until the constructors of the collections (or chares) behind `proxies`
        have run everywhere (for a section, e.g. `Group(C, onPEs=pes)`, on its
        members). From a coroutine."""
        pending = []
        for proxy in proxies:
            if not isinstance(proxy, (Proxy, section.SectionProxy)):
                raise TypeError('charm.awaitCreation takes proxies, got %r' % (proxy,))
            pending.append(proxy._charmpy_ping(awaitable=True))
        for f in pending:
            f.get()

    def wait(self, objs):
        """Waits until every future or channel in `objs` is ready. From a coroutine."""
        futures.wait(objs)

    def iwait(self, objs):
        """Yields each future or channel of `objs` as it becomes ready. From a coroutine."""
        return futures.iwait(objs)

    def sleep(self, secs):
        """Suspends the calling coroutine for `secs` seconds; the PE keeps working."""
        futures.sleep(secs)

    def startQD(self, callback):
        """Starts quiescence detection: once no message is in flight anywhere,
        `callback` is called with no argument. It is a Future (set to None), or
        `proxy.method` of one element, of a single chare, of a whole group or array
        (every element), of a section, or `charm.thisProxy[0].exit`:

            charm.startQD(workers.phase_done)    # every worker, once all is quiet
        """
        if isinstance(callback, section.SectionMethod):
            # The runtime's callbacks name one collection; a section's members are
            # called from this PE once a future of its own is set.
            section_method = callback
            callback = futures.Future()
            callback._on_done(lambda _: section_method())
        try:
            target = callback_tuple(callback)
        except TypeError as e:
            raise TypeError('charm.startQD: %s' % e) from None
        _charmpy.start_qd(target)

    def waitQD(self):
        """Waits (coroutine) until quiescence: no message in flight anywhere."""
        f = futures.Future()
        self.startQD(f)
        f.get()

    def scheduleCallableAfter(self, callable_obj, secs, args=[]):
        """Calls `callable_obj(*args)` after `secs` seconds (a function, a Future or a
        `proxy.method`)."""
        args = tuple(args)
        _charmpy.after(float(secs), lambda: callable_obj(*args))

    def LBTurnInstrumentOn(self):
        """Turns load measurement on, on every PE."""
        self.thisProxy.LBTurnInstrumentOn()

    def LBTurnInstrumentOff(self):
        """Turns load measurement off, on every PE."""
        self.thisProxy.LBTurnInstrumentOff()

    def printStats(self):
        """Prints this PE's profile (with `charm.options.profiling = True` set before
        charm.start): per chare class and entry method the calls, the time spent in
        the method (coroutines: until they return), the bytes received and sent, and
        the PE's totals. `charm.thisProxy[pe].printStats()` prints another PE's."""
        if not self.options.profiling:
            print('charmpy: charm.printStats() called but charm.options.profiling is off')
            return
        print(self._stats_table())
        sys.stdout.flush()

    def _stats_table(self):
        rows = sorted(_charmpy.profile().items())
        lines = ['charmpy profile of PE %d' % _MY_PE,
                 '%-40s %10s %12s %14s %14s' % ('entry method', 'calls', 'time (s)',
                                                'bytes recv', 'bytes sent')]
        totals = [0, 0.0, 0, 0]
        for (cls, method), (calls, secs, received, sent) in rows:
            if method.startswith('_charmpy') or cls == 'CharmRemote':
                continue
            lines.append('%-40s %10d %12.6f %14d %14d' % ('%s.%s' % (cls, method), calls, secs,
                                                          received, sent))
            totals = [totals[0] + calls, totals[1] + secs, totals[2] + received, totals[3] + sent]
        lines.append('%-40s %10d %12.6f %14d %14d' % ('total (PE %d)' % _MY_PE, *totals))
        return '\n'.join(lines)

    # --- sections -----------------------------------------------------------------------
    def split(self, proxy, numsections, section_func=None, elems=None, slicing=None, cons=None):
        """A list of `numsections` section proxies over the members of `proxy` (a
        group, an array or a section): `elems[i]` lists section i's indices (one
        section: `elems` may be its indices), or `section_func(obj)` (run where each
        member lives; call split from a coroutine then) returns each member's
        section number(s):

            evens, odds = charm.split(g, 2, lambda obj: obj.thisIndex % 2)
            (box,) = charm.split(a, 1, elems=[(0, 1), (2, 3)])

        `cons` is charm4py's internal hook for building group sections
        (`Group(C, onPEs=...)` does that here): only None is accepted.
        """
        if cons is not None:
            raise NotImplementedError('charm.split(cons=...): charm4py uses cons internally for '
                                      'Group(cls, onPEs=...); create such a group directly')
        return section.split(proxy, numsections, section_func, elems, slicing)

    def combine(self, *proxies):
        """One section over the members of every proxy given (groups, arrays,
        sections; several collections allowed): broadcasts and reductions."""
        return section.combine(*proxies)


def _classes_to_register(classes, modules):
    """CharmRemote, then the program's chare classes sorted by (module, qualified name)
    (ties in discovery order), so that every PE registers the same sequence."""
    found = []

    def add(cls):
        if cls not in found and cls not in _INTERNAL:
            found.append(cls)

    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, Chare)):
            raise TypeError('charm.start(classes=...): %r is not a Chare subclass' % (cls,))
        add(cls)
    for name in list(modules) + ['__main__']:
        module = sys.modules.get(name) or importlib.import_module(name)
        for value in list(vars(module).values()):
            if isinstance(value, type) and issubclass(value, Chare):
                add(value)
    for cls in registry.decorated_classes():
        add(cls)
    found.sort(key=lambda c: (c.__module__, c.__qualname__))
    return [CharmRemote, pool.PoolWorker] + found


# --- the program's entry -------------------------------------------------------------------

def _run_entry(entry, entry_is_class):
    """Runs on PE 0 on a fiber: creates the runtime group, then the program's entry."""
    try:
        info = class_info(CharmRemote, 'start')
        cid = _charmpy.create(KIND_GROUP, info.ctor_ids[KIND_GROUP], None, -1, (), None)
        _startup.set_remote(new_proxy(info, KIND_GROUP, cid, None, -1))
        pool_info = class_info(pool.PoolWorker, 'start')
        pool.start(_charmpy.create(KIND_GROUP, pool_info.ctor_ids[KIND_GROUP], None, -1, (), None))
        if entry is None:
            return
        if entry_is_class:
            info = class_info(entry, 'charm.start(entry)')
            args = (sys.argv,) if _takes_argument(entry.__init__, 2) else ()
            _startup.set_main_chare(_charmpy.create(
                KIND_CHARE, info.ctor_ids[KIND_CHARE], None, 0, args, None))
            return
        _startup.begin()
        try:
            if _takes_argument(entry, 1):
                entry(sys.argv)
            else:
                entry()
        finally:
            _startup.end()
    except SystemExit as e:
        charm.exit(ending.exit_code(e))


def _takes_argument(func, count):
    """True unless `func` visibly takes fewer than `count` positional arguments."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return True
    positional = 0
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= count


# --- the runtime's group -----------------------------------------------------------------

class CharmRemote(Chare):
    """The runtime's own group (`charm.thisProxy`): what one PE asks of the runtime on
    others."""

    _charmpy_is_runtime = True
    _charmpy_hidden_entries = ('_charmpy_startup',)

    def __init__(self):
        _startup.set_remote(self.thisProxy)

    def exit(self, exit_code=0):
        """Ends the program with `exit_code` (`charm.thisProxy[0].exit` as a callback)."""
        charm.exit(exit_code)

    def myPe(self):
        """The PE this element runs on."""
        return _MY_PE

    def updateGlobals(self, global_dict, module_name='__main__'):
        """Sets the names of `global_dict` as globals of module `module_name` on this PE
        (broadcast: `charm.thisProxy.updateGlobals({'x': 1}, awaitable=True).get()`)."""
        sys.modules[module_name].__dict__.update(global_dict)

    def _check_remote_exec(self, what):
        if charm.options.remote_exec is not True:
            raise RuntimeError('charm.thisProxy.%s: remote code execution is disabled; set '
                               'charm.options.remote_exec = True before charm.start()' % what)

    def exec(self, code, module_name='__main__'):
        """Executes `code` (a string) in module `module_name` (needs options.remote_exec)."""
        self._check_remote_exec('exec')
        exec(code, sys.modules[module_name].__dict__)

    def rexec(self, code, module_name='__main__'):
        """The same as exec."""
        self._check_remote_exec('rexec')
        exec(code, sys.modules[module_name].__dict__)

    def eval(self, expression, module_name='__main__'):
        """Evaluates `expression` in module `module_name` and returns the value (needs
        options.remote_exec)."""
        self._check_remote_exec('eval')
        return eval(expression, sys.modules[module_name].__dict__)

    def createArray(self, cls, dims=None, ndims=-1, args=[], map=None, useAtSync=False, cb=None):
        """Creates an array on this PE, as `Array(cls, dims, ndims, args, map,
        useAtSync)` there, and returns its proxy; `cb` (a Future or proxy.method),
        when given, is called with the proxy too:

            a = charm.thisProxy[2].createArray(Worker, 8, args=[x], ret=True).get()
        """
        proxy = Array(cls, dims, ndims, args, map, useAtSync)
        if cb is not None:
            cb(proxy)
        return proxy

    def createGroup(self, cls, args=[], onPEs=None, cb=None):
        """Creates a group from this PE, as `Group(cls, args, onPEs)` there, and returns
        its proxy (a section proxy with onPEs); `cb` is called with it too. A charmpy
        addition, the counterpart of createArray."""
        proxy = Group(cls, args, onPEs)
        if cb is not None:
            cb(proxy)
        return proxy

    def addReducer(self, func, pre=None, post=None):
        """Adds a Python reducer on this PE (`charm.thisProxy.addReducer(f)` adds it
        everywhere; functions travel by reference, so f must be importable)."""
        reduction.Reducer.addReducer(func, pre, post)

    def printStats(self):
        """Prints this PE's profile (see charm.printStats)."""
        charm.printStats()

    def LBTurnInstrumentOn(self):
        """Measures entry-method loads on this PE for the load balancer."""
        _charmpy.lb_instrument(True)

    def LBTurnInstrumentOff(self):
        """Stops measuring loads on this PE (steps see what was measured so far)."""
        _charmpy.lb_instrument(False)

    def _charmpy_startup(self, state):
        """PE 0's start-up broadcast: the readonlies."""
        _startup.apply(state)


_INTERNAL = (Chare, ArrayMap, CharmRemote, pool.PoolWorker)
_POOL = pool.Pool()

charm = Charm()
