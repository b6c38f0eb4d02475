"""Reducers and how Python reductions are combined.

    self.contribute(x, Reducer.sum, self.thisProxy[0].done)
    total = self.allreduce(x, Reducer.max).get()      # in a coroutine

Numeric reducers work on numbers, lists/tuples of numbers and NumPy arrays
(element-wise); `gather` gives the list of contributions ordered by element index;
no data and no reducer is an empty reduction (a barrier). `Reducer.addReducer(func,
pre=None, post=None)` adds `Reducer.<func name>`.

How it runs: numbers, lists/tuples of numbers and NumPy arrays under a numeric
reducer are combined in C at every PE of the runtime's reduction tree
(`_charmpy.contribute_numeric`); what the result must become (int, list, array of
some dtype and shape) and where it goes travel as a small pickled tag, and
`numeric_reduction_done` rebuilds it on PE 0. Everything else (gather, custom
reducers, other data) travels pickled to PE 0, where `reduction_done` combines the
contributions in element order. Either way the result goes to the target: a
Future, a `proxy.method` (one element or a whole collection), or
`charm.thisProxy[0].exit`. Several reductions may be in flight: the runtime
numbers them per element.

`allreduce` of numeric data (and the empty allreduce) never goes through PE 0: the
PEs swap partials pairwise in C (`_charmpy.allreduce_numeric`) and each calls
`allreduce_done` once with the result and its elements' futures. The elements of
one PE share the result; a NumPy result views the received message and is
read-only when several elements share it. Other allreduces (gather, custom
reducers) are combined on PE 0 and broadcast back to the contributors, each of
which resolves its oldest pending allreduce future of that kind.
"""
import pickle
import functools
import operator
import struct

import _charmpy

try:
    import numpy as _np
except ImportError:  # NumPy is optional for the reducers themselves
    _np = None


def _is_array(x):
    return _np is not None and isinstance(x, _np.ndarray)


def _elementwise(scalar_op, array_op):
    """A reducer applying `scalar_op` pairwise over numbers, column-wise over
    lists/tuples, and `array_op` over NumPy arrays."""
    def reduce(values):
        first = values[0]
        if _is_array(first):
            return functools.reduce(array_op, values)
        if isinstance(first, (list, tuple)):
            lengths = {len(v) for v in values}
            if len(lengths) != 1:
                raise ValueError('element-wise reduction over lists of different lengths %s'
                                 % sorted(lengths))
            return type(first)(functools.reduce(scalar_op, column) for column in zip(*values))
        return functools.reduce(scalar_op, values)
    return reduce


def _np_op(name):
    return lambda a, b: getattr(_np, name)(a, b)


_BUILTIN = {
    _charmpy.REDUCER_NOP: lambda values: None,
    _charmpy.REDUCER_SUM: _elementwise(operator.add, _np_op('add')),
    _charmpy.REDUCER_PRODUCT: _elementwise(operator.mul, _np_op('multiply')),
    _charmpy.REDUCER_MAX: _elementwise(max, _np_op('maximum')),
    _charmpy.REDUCER_MIN: _elementwise(min, _np_op('minimum')),
    _charmpy.REDUCER_AND: _elementwise(lambda a, b: bool(a) and bool(b), _np_op('logical_and')),
    _charmpy.REDUCER_OR: _elementwise(lambda a, b: bool(a) or bool(b), _np_op('logical_or')),
    _charmpy.REDUCER_XOR: _elementwise(lambda a, b: bool(a) != bool(b), _np_op('logical_xor')),
    _charmpy.REDUCER_GATHER: list,
}

# Python reducers added with Reducer.addReducer: id -> (func, pre, post). Ids follow
# the order of addReducer calls, which must be the same on every PE.
_custom = {}
_FIRST_CUSTOM_ID = 1000


class ReducerContainer:
    """The set of reducers (one instance, `Reducer`).

    Attributes: `nop`, `sum`, `product`, `min`, `max`, `logical_and`, `logical_or`,
    `logical_xor`, `gather`, and those added with `addReducer`.
    """

    def __init__(self):
        self.nop = _charmpy.REDUCER_NOP
        self.sum = _charmpy.REDUCER_SUM
        self.product = _charmpy.REDUCER_PRODUCT
        self.min = _charmpy.REDUCER_MIN
        self.max = _charmpy.REDUCER_MAX
        self.logical_and = _charmpy.REDUCER_AND
        self.logical_or = _charmpy.REDUCER_OR
        self.logical_xor = _charmpy.REDUCER_XOR
        self.gather = _charmpy.REDUCER_GATHER

    def addReducer(self, func, pre=None, post=None):
        """Adds `Reducer.<func name>`: `func(contributions)` combines the list of all
        contributions (in element order); `pre(data, contributor)` runs at each
        contributor before its data travels; `post(result)` once at the end. Call it
        in the same order on every PE (e.g. at module level), or everywhere at once
        with `charm.thisProxy.addReducer(func)`."""
        name = func.__name__
        existing = getattr(self, name, None)
        if existing is not None and _custom.get(existing, (None,))[0] is func:
            return existing
        rid = _FIRST_CUSTOM_ID + len(_custom)
        _custom[rid] = (func, pre, post)
        setattr(self, name, rid)
        return rid

    def __repr__(self):
        return '<charmpy Reducer container>'


Reducer = ReducerContainer()


def reducer_id(reducer):
    """The number of `reducer` (None means "no data": the nop reducer)."""
    if reducer is None:
        return _charmpy.REDUCER_NOP
    if isinstance(reducer, int) and not isinstance(reducer, bool):
        if reducer in _BUILTIN or reducer in _custom:
            return reducer
    raise TypeError('unknown reducer %r: use one of Reducer.sum, Reducer.max, ..., '
                    'Reducer.gather, or one added with Reducer.addReducer' % (reducer,))


def prepare(reducer, data, contributor):
    """The data a contributor sends (custom reducers may have a `pre` step)."""
    custom = _custom.get(reducer)
    if custom is not None and custom[1] is not None:
        return custom[1](data, contributor)
    return data


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


_NUMERIC = {_charmpy.REDUCER_SUM, _charmpy.REDUCER_PRODUCT, _charmpy.REDUCER_MIN,
            _charmpy.REDUCER_MAX, _charmpy.REDUCER_AND, _charmpy.REDUCER_OR,
            _charmpy.REDUCER_XOR}
_LOGICAL = {_charmpy.REDUCER_AND, _charmpy.REDUCER_OR, _charmpy.REDUCER_XOR}
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def numeric_form(reducer, data):
    """(what the result must become, the data for the C reducer), or None when
    `data` is not for the C path."""
    if reducer not in _NUMERIC:
        return None
    t = type(data)
    if t is bool:  # Python sums booleans as integers
        return (('bool',), data) if reducer in _LOGICAL else (('int',), int(data))
    if t is float:
        return ('float',), data
    if t is int:
        return (('int',), data) if _INT64_MIN <= data <= _INT64_MAX else None
    if _np is None:
        return None
    if t is _np.ndarray:
        if data.dtype.kind in 'biuf' and data.dtype.itemsize in (1, 2, 4, 8):
            return ('ndarray', data.dtype.str, data.shape), _np.ascontiguousarray(data)
        return None
    if isinstance(data, _np.generic):
        if data.dtype.kind in 'biuf':
            return ('npscalar', data.dtype.str), _np.ascontiguousarray(data).reshape(1)
        return None
    if t is list or t is tuple:
        if not data or not all(type(x) in (int, float, bool) for x in data):
            return None
        try:
            arr = _np.asarray(data)
        except (OverflowError, ValueError):
            return None
        if arr.dtype.kind == 'b' and reducer not in _LOGICAL:
            arr = arr.astype(_np.int64)
        if arr.ndim == 1 and (arr.dtype.kind == 'b' or arr.dtype.itemsize == 8):
            return (t.__name__, arr.dtype.str), arr
    return None


# Scalar results: 8-byte int, 8-byte float or 1-byte bool.
_SCALAR = {'int': struct.Struct('<q'), 'float': struct.Struct('<d'), 'bool': struct.Struct('?')}

# The form of an empty allreduce (no data, no reducer): the result is None.
NO_DATA = ('none',)


def _decode_numeric(reducer, form, raw):
    """The Python result of a C-combined reduction from its raw bytes."""
    kind = form[0]
    logical = reducer in _LOGICAL
    scalar = _SCALAR.get(kind)
    if scalar is not None:
        value = scalar.unpack_from(raw)[0]
        return bool(value) if logical else value
    if kind == 'none':
        return None
    # vectors: a u64 count, then the values
    values = _np.frombuffer(raw, form[1], offset=8)
    if kind == 'ndarray':
        return values.reshape(form[2])  # views the received message (kept alive by it)
    if kind == 'npscalar':
        return values[0]
    items = [bool(v) for v in values] if logical else values.tolist()
    return items if kind == 'list' else tuple(items)


def numeric_reduction_done(tag, raw):
    """Runtime hook on PE 0: a numeric reduction combined in C."""
    reducer, target, form = pickle.loads(tag)
    deliver(reducer, target, _decode_numeric(reducer, form, raw))


def allreduce_form(reducer, data):
    """(form, data for C) of an allreduce taking the C path, or None."""
    if reducer == _charmpy.REDUCER_NOP and data is None:
        return NO_DATA, None
    return numeric_form(reducer, data)


def allreduce_done(reducer, form, raw, futures):
    """Runtime hook, once per PE: the result of a C-combined allreduce for the
    futures of this PE's elements (in contribution order). They share the value
    (lists excepted: each gets its own)."""
    value = _decode_numeric(reducer, form, raw)
    if form[0] == 'list':
        for f in futures:
            f._deliver(list(value), False)
        return
    for f in futures:
        f._deliver(value, False)


def combine(reducer, values):
    """The result of `reducer` over the list of contributions."""
    builtin = _BUILTIN.get(reducer)
    if builtin is not None:
        return builtin(values)
    func, _, post = _custom[reducer]
    result = func(values)
    return post(result) if post is not None else result


def reduction_done(items):
    """Runtime hook on PE 0: `items` are the (reducer, data, target) contributions of
    one reduction in element order; combines and delivers the result."""
    reducer = items[0][0]
    deliver(reducer, items[0][2], combine(reducer, [data for _, data, _ in items]))


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
    if reducer == _charmpy.REDUCER_NOP and not hasattr(target, 'send'):
        target()       # an empty reduction calls proxy.method() with no argument
    elif hasattr(target, 'send') and not callable(getattr(target, '__self__', None)):
        target.send(result)
    else:
        target(result)
