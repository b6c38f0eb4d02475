# A chare's attributes stay where CPython 3.11 keeps them until a program asks for
# the object's __dict__: the runtime's own reads (the @when / Chare.wait check after
# every entry method, the migration busy check) no longer make the __dict__, which
# stopped CPython from specialising `self.x` in every method of every chare. Checks
# that the attribute reads of an entry method are specialised after many calls on
# every PE (CPython 3.11 only: the names of specialised instructions are its own),
# and that @when and Chare.wait still resume waiting calls, also for a class with
# __getattr__ (which the runtime's read of its waiting list must not call). The
# runtime looks for waiting lists only once a chare of the PE waited
# (_charmpy.note_waiting): the first waits of this program come after many calls.
import dis
import sys

from charmpy import charm, Array, Chare, Group, coro, when

from cases import case, run_cases

CALLS = 200


def specialised_attribute_ops(function):
    """The adaptive LOAD_ATTR / STORE_ATTR instruction names of `function`, or None
    on a Python other than 3.11."""
    if sys.version_info[:2] != (3, 11):
        return None
    return sorted(set(i.opname for i in dis.get_instructions(function, adaptive=True)
                      if i.opname.startswith(('LOAD_ATTR', 'STORE_ATTR'))))


class Counter(Chare):

    def __init__(self):
        self.count = 0
        self.step = 1

    def bump(self):
        self.count = self.count + self.step
        return self.count

    def bump_other(self, pe):
        self.thisProxy[pe].bump()

    def attribute_ops(self):
        return self.count, specialised_attribute_ops(Counter.bump)


class Mover(Chare):
    """An array element that migrates: its attributes come back through the
    migration path (construction.set_attributes), which must not make its __dict__."""

    def __init__(self):
        self.count = 0
        self.step = 1

    def go(self, pe):
        self.migrate(pe)

    def bump(self):
        self.count = self.count + self.step
        return self.count

    def attribute_ops(self):
        return charm.myPe(), self.count, specialised_attribute_ops(Mover.bump)


class Lazy(Chare):
    """A class whose __getattr__ answers every missing attribute."""

    def __init__(self):
        self.stage = 0
        self.asked = []
        self.log = []

    def __getattr__(self, name):
        self.__dict__.setdefault('asked', []).append(name)
        return 0

    @when('self.stage == stage')
    def at(self, stage):
        self.log.append(stage)
        self.stage += 1

    def report(self):
        return self.log, [n for n in self.asked if n.startswith('_charmpy')]


class Waiter(Chare):

    def __init__(self):
        self.count = 0

    @coro
    def wait_for(self, n):
        self.wait('self.count >= %d' % n)
        return self.count

    def bump(self):
        self.count += 1


@case
def attribute_reads_are_specialised_after_many_calls():
    g = Group(Counter)
    charm.awaitCreation(g)
    n = charm.numPes()
    for k in range(CALLS):
        g[k % n].bump_other((k + 1) % n)   # calls from PE to PE and to the same PE
    for pe in range(n):
        g[pe].bump(ret=True).get()
    for pe in range(n):
        count, ops = g[pe].attribute_ops(ret=True).get()
        assert count == CALLS // n + (1 if pe < CALLS % n else 0) + 1, (pe, count)
        if ops is not None:
            assert ops == ['LOAD_ATTR_INSTANCE_VALUE', 'STORE_ATTR_INSTANCE_VALUE'], (pe, ops)


@case
def attribute_reads_are_specialised_in_migrated_chares():
    n = charm.numPes()
    a = Array(Mover, 2 * n)
    charm.awaitCreation(a)
    where = [a[i].attribute_ops(ret=True).get()[0] for i in range(2 * n)]
    for i in range(2 * n):
        a[i].go((where[i] + 1) % n)
    for k in range(CALLS):
        a[k % (2 * n)].bump()
    for i in range(2 * n):
        a[i].bump(ret=True).get()
    for i in range(2 * n):
        pe, count, ops = a[i].attribute_ops(ret=True).get()
        assert pe == (where[i] + 1) % n, (i, pe, where[i])
        assert count == CALLS // (2 * n) + 1, (i, count)
        if ops is not None:
            assert ops == ['LOAD_ATTR_INSTANCE_VALUE', 'STORE_ATTR_INSTANCE_VALUE'], (i, pe, ops)


@case
def when_resumes_waiting_calls_also_with_getattr():
    g = Group(Lazy)
    for pe in range(charm.numPes()):
        # all but the last wait, then run in order (resumed after the call that made
        # their condition true: wait for every reply before asking for the log)
        replies = [g[pe].at(stage, ret=True) for stage in reversed(range(6))]
        for r in replies:
            r.get()
        log, asked = g[pe].report(ret=True).get()
        assert log == list(range(6)), (pe, log)
        assert asked == [], (pe, asked)


@case
def await_creation_with_getattr():
    # awaitCreation asks each element whether a coroutine constructor still runs;
    # that look must not call the class's __getattr__ (it answered 0, not None,
    # and awaitCreation failed).
    g = Group(Lazy)
    charm.awaitCreation(g)
    for pe in range(charm.numPes()):
        log, asked = g[pe].report(ret=True).get()
        assert asked == [], (pe, asked)


@case
def chare_wait_resumes_after_the_first_wait_of_the_pe():
    g = Group(Waiter)
    charm.awaitCreation(g)
    for pe in range(charm.numPes()):
        waiting = g[pe].wait_for(3, ret=True)
        for _ in range(3):
            g[pe].bump()
        assert waiting.get() == 3, pe


def main(args):
    run_cases()


charm.start(main)
