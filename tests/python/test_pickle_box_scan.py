# The runtime looks for large bytes and bytearray inside a call's arguments in C
# (embed/pickle_codec.cc) and runs _pickling._box, which walks the arguments in
# Python, only for calls that hold some: a list of 1,000 numbers went through _box
# element by element (ten times the cost of pickling it; charm.pool's results are
# such lists). The C scan must find exactly what _box would box, no more, no less.
import numpy as np
from charmpy import charm, Chare, Group, _pickling

from cases import case, run_cases

class BytesSubclass(bytes):
    """Not boxed: _box looks for the exact types."""


BIG = b'b' * 2000                 # boxed (1 KiB and more)
SMALL = b's' * 100                # not boxed


def nested(value, levels):
    for _ in range(levels):
        value = [value]
    return value


# (name, argument): each is sent as one call; whether _box changes it decides
# whether the runtime must have called _box.
ARGUMENTS = [
    ('list_of_numbers', list(range(1000))),
    ('numbers_and_small_bytes', [1, 2.5, SMALL, 'text', None]),
    ('big_bytes_in_list', [1, BIG]),
    ('big_bytearray_in_tuple', (bytearray(BIG), 3)),
    ('big_bytes_in_dict_value', {'k': BIG}),
    ('big_bytes_as_dict_key_only', {BIG: 1}),
    # In the pickled (args, kwargs) tuple: BIG at the deepest level _box looks at,
    # and one level below it.
    ('big_bytes_at_the_deepest_level', nested(BIG, 2)),
    ('big_bytes_one_level_deeper', nested(BIG, 3)),
    ('bytes_subclass', [BytesSubclass(BIG)]),
    ('array_and_list', [np.arange(10), [1, 2]]),
]


class Receiver(Chare):

    def take(self, name, value):
        self.last = name, value

    def ping(self):
        pass

    def last_taken(self):
        return self.last


def box_calls(call):
    """How many times the runtime called _pickling._box (top level) during call()."""
    calls = []
    original = _pickling._box

    def counting(obj, depth=0):
        if depth == 0:
            calls.append(obj)
        return original(obj, depth)

    _pickling._box = counting
    try:
        call()
    finally:
        _pickling._box = original
    return len(calls)


@case
def box_runs_exactly_for_arguments_it_changes(g):
    for pe in range(charm.numPes()):
        for name, value in ARGUMENTS:
            # A call the fast codec cannot take travels pickled as (args, kwargs)
            # (embed/module_calls.cc): whether _box changes that decides.
            call = ((name, value), None)
            expected = 0 if _pickling._box(call) is call else 1
            if name in ('big_bytes_in_list', 'big_bytes_at_the_deepest_level'):
                assert expected == 1, name     # the cases do test both answers
            got = box_calls(lambda: g[pe].take(name, value))
            assert got == expected, (name, pe, got, expected)
            assert g[pe].last_taken(ret=True).get()[0] == name


@case
def values_arrive_intact(g):
    for pe in range(charm.numPes()):
        for name, value in ARGUMENTS:
            g[pe].take(name, value)
            got_name, got = g[pe].last_taken(ret=True).get()
            assert got_name == name
            if name == 'array_and_list':
                assert np.array_equal(got[0], value[0]) and got[1] == value[1]
            else:
                assert got == value, name
                assert type(got) is type(value), name


def main(args):
    g = Group(Receiver)
    # Until the entry first suspends, PE 0 holds its calls and pickles them in
    # Python (_startup.py); the cases are about the runtime's own path.
    g.ping(ret=True).get()
    run_cases(g)


charm.start(main)
