"""Options of the charmpy runtime: `charm.options`.

Set them at the top of the program, before `charm.start()`, identically on every PE
(every PE runs the same script, so plain assignments do that):

    from charmpy import charm
    charm.options.remote_exec = True
    charm.start(main)
"""
import types


class Options:
    """The runtime's options (one instance, `charm.options`).

    Attributes:
        quiet: no start-up banner (also set by the `++quiet` flag).
        profiling: collect per-entry-method statistics for `charm.printStats()`.
        pickle_protocol: kept for charm4py programs; arguments always travel with
            pickle protocol 5 (-1 means "the highest", which is 5).
        local_msg_optim: False (the default, as in charm4py): a call to an element
            on the same PE behaves as if its arguments were copied at the call (they
            are, except immutable values, proxies and futures, which are passed as
            they are). True: every argument object is passed by reference (no copy;
            the sender must not modify them after the call).
        local_msg_buf_size: kept for charm4py programs (no limit here).
        remote_exec: allow `charm.thisProxy.exec/rexec/eval` (default False).
        auto_flush_wait_queues: re-check `@when` conditions after every method.
        interactive: options of the interactive mode (`verbose`,
            `broadcast_imports`), kept for charm4py programs.
    """

    def __init__(self):
        self.quiet = False
        self.profiling = False
        self.pickle_protocol = -1
        self.local_msg_optim = False
        self.local_msg_buf_size = 50
        self.remote_exec = False
        self.auto_flush_wait_queues = True
        self.interactive = types.SimpleNamespace(verbose=1, broadcast_imports=True)

    def __repr__(self):
        items = ', '.join('%s=%r' % kv for kv in sorted(vars(self).items()))
        return 'Options(%s)' % items
