"""Reducers and how Python reductions are combined.

    self.contribute(x, Reducer.sum, self.thisProxy[0].done)
    total = self.allreduce(x, Reducer.max).get()      # in a coroutine

Numeric reducers work on numbers, lists/tuples of numbers, NumPy arrays and
array.array (element-wise), and give results of charm4py's types (see "result
types" below and ReducerContainer); `gather` gives the list of contributions
ordered by element index; no data and no reducer is an empty reduction (a
barrier).
`Reducer.addReducer(func, pre=None, post=None)` adds `Reducer.<func name>`. What
each kind of data gives, and what is refused, is in ReducerContainer's docstring.

How it runs: numbers, lists/tuples of numbers, NumPy arrays and array.array under
a numeric reducer are combined in C at every PE of the runtime's reduction tree
(`_charmpy.contribute_numeric`); what the result must become (int, list, array of
some dtype and shape) and where it goes travel as a small pickled tag, and
`numeric_reduction_done` rebuilds it on PE 0. Each contribution also carries its
form as text ("Reducer.sum of a NumPy float64 array of shape (2, 3)"): the
runtime refuses to combine contributions whose forms differ and names both, so
a (2, 3) and a (3, 2) array, or an int and a float, are an error, never a
silently reshaped or reinterpreted result. Python ints under sum travel as two
int64 lanes (high and low 32 bits) whose sums cannot overflow, so the result is
the exact Python int. Everything else (gather, custom reducers, products of
Python numbers, other data) travels pickled to PE 0, where `reduction_done`
combines the contributions in element order with Python's arithmetic. Either way
the result goes to the target: a Future, a `proxy.method` (one element or a whole
collection), or `charm.thisProxy[0].exit`. Several reductions may be in flight:
the runtime numbers them per element.

`allreduce` of numeric data (and the empty allreduce) never goes through PE 0: the
PEs swap partials pairwise in C (`_charmpy.allreduce_numeric`) and each calls
`allreduce_done` once with the result and its elements' futures. The elements of
one PE share the result; a NumPy result is read-only when several elements share
it. The allreduce of one float or int (or of nothing) over a whole collection
runs without Python code (`_charmpy.allreduce_scalar`, taking the forms of
`allreduce_fast_setup` below): C makes the Future, contributes as above, and
decodes the result and resolves this PE's futures itself (embed/future_slots.h),
calling allreduce_done only for what it does not take. Other allreduces (gather, custom reducers, data combined in Python) are
combined on PE 0 and broadcast back to the contributors, each of which resolves
its oldest pending allreduce future of that kind; such an element also puts a
marker in the pairwise exchange (`_charmpy.allreduce_marker`), so that an
allreduce some of whose elements took one way and some the other ends the job
naming both kinds of data instead of hanging.

The modules: reducers.py (the reducers, combining in Python), reduction_numeric.py
(what C combines, and the results' types), this one (the runtime's hooks that
deliver results, and allreduce).
"""
import pickle

import _charmpy

from .reducers import (Reducer, ReducerContainer, combine, prepare,  # noqa: F401
                       reducer_id, reducer_name)
from .reduction_numeric import (NO_DATA, NUMERIC, decode, numeric_form,  # noqa: F401
                                python_form_text, scalar_forms, typed)

try:
    import numpy as _np
except ImportError:  # NumPy is optional for the reducers themselves
    _np = None


class AllReduceTarget:
    """The target of allreduce contributions: the result is broadcast to the
    collection (or section `sid`), whose members each resolve their oldest pending
    allreduce (over that section)."""

    __slots__ = ('collection', 'sid')

    def __init__(self, collection, sid=0):
        self.collection = collection
        self.sid = sid

    def __reduce__(self):
        return AllReduceTarget, (self.collection, self.sid)

class Failed:
    """A reduction's result that cannot be given (an int64 result that does not
    fit): the futures waiting for it raise `exc`; a proxy-method target cannot
    take it, so the job ends with it."""

    __slots__ = ('exc',)

    def __init__(self, exc):
        self.exc = exc

    def __reduce__(self):
        return Failed, (self.exc,)

    def raise_in(self, future):
        """Resolves a local future with the exception."""
        future._deliver(self.payload(), True)

    def payload(self):
        """What a future takes as an exception: (exception, where, type name)."""
        return self.exc, "in the reduction's result, where it was combined", type(self.exc).__name__


def numeric_reduction_done(tag, raw):
    """Runtime hook on PE 0: a numeric reduction combined in C."""
    reducer, target, form, section = pickle.loads(tag)
    try:
        result = decode(reducer, form, raw, section)
    except OverflowError as e:
        result = Failed(e)
    deliver(reducer, target, result)


_NO_DATA_FORM = (NO_DATA, None, b'')  # an empty allreduce


def allreduce_form(reducer, data):
    """(form, data for C, form text) of an allreduce taking the C path, or None."""
    if reducer == _charmpy.REDUCER_NOP and data is None:
        return _NO_DATA_FORM
    return numeric_form(reducer, data)


# Chare.allreduce of one float or int (or of nothing) runs in C
# (_charmpy.allreduce_scalar): the same future, form and contribution as
# allreduce_form and allreduce_numeric give, and allreduce_done's work done in C
# for the futures of this PE.
_charmpy.allreduce_fast_setup(scalar_forms() + [(_charmpy.REDUCER_NOP, 2, NO_DATA, b'')])


def allreduce_marker_text(reducer, data):
    """The words for an allreduce contribution combined in Python, which the
    runtime's pairwise allreduce quotes should it meet data it combines itself."""
    return python_form_text(reducer, data) or ('%s (combined in Python)' % reducer_name(reducer)).encode()


def allreduce_done(reducer, tag, raw, futures):
    """Runtime hook, once per PE: the result of a C-combined allreduce for the
    futures of this PE's elements (in contribution order); `tag` is (form, section
    typed). They share the value, read-only when there are several."""
    form, section = tag
    try:
        value = decode(reducer, form, raw, section)
    except OverflowError as e:
        for f in futures:
            Failed(e).raise_in(f)
        return
    if len(futures) > 1 and type(value) is _np_ndarray and value.flags.writeable:
        value.flags.writeable = False
    for f in futures:
        f._deliver(value, False)


_np_ndarray = None if _np is None else _np.ndarray


def reduction_done(items):
    """Runtime hook on PE 0: `items` are the (reducer, data, target, section typed)
    contributions of one reduction in element order; combines and delivers the
    result."""
    reducer, _, target, section = items[0]
    result = combine(reducer, [item[1] for item in items])
    if reducer in NUMERIC:
        try:
            result = typed(reducer, result, section)
        except OverflowError as e:
            result = Failed(e)
    deliver(reducer, target, result)


def deliver(reducer, target, result):
    """Sends a reduction's result to its target."""
    if isinstance(target, AllReduceTarget):
        if target.sid:
            target.collection._charmpy_allreduce_result(result, target.sid)
        else:
            target.collection._charmpy_allreduce_result(result)
        return
    if target is None:
        return
    if type(result) is Failed:
        if not hasattr(target, 'fid'):
            raise result.exc  # a proxy method takes no exception: the job ends with it
        _charmpy.send_future(target.pe, target.fid, result.payload(), True)
        return
    if reducer == _charmpy.REDUCER_NOP and not hasattr(target, 'send'):
        target()       # an empty reduction calls proxy.method() with no argument
    elif hasattr(target, 'send') and not callable(getattr(target, '__self__', None)):
        target.send(result)
    else:
        target(result)
