"""The reducers (`Reducer`, one ReducerContainer) and how Python combines
contributions: the built-in reducers element-wise over numbers, lists, tuples,
array.array and NumPy arrays (refusing contributions of different kinds or shapes),
and the reducers added with `Reducer.addReducer`.

Which data C combines instead, and the types of the results, are in
reduction_numeric.py; the reduction's flow in reduction.py.
"""
import array
import functools
import operator

import _charmpy

try:
    import numpy as _np
except ImportError:  # NumPy is optional for the reducers themselves
    _np = None


def _is_array(x):
    return _np is not None and isinstance(x, _np.ndarray)


_NAMES = {
    _charmpy.REDUCER_NOP: 'nop', _charmpy.REDUCER_SUM: 'sum', _charmpy.REDUCER_PRODUCT: 'product',
    _charmpy.REDUCER_MAX: 'max', _charmpy.REDUCER_MIN: 'min', _charmpy.REDUCER_AND: 'logical_and',
    _charmpy.REDUCER_OR: 'logical_or', _charmpy.REDUCER_XOR: 'logical_xor',
    _charmpy.REDUCER_GATHER: 'gather',
}


def reducer_name(reducer):
    """'Reducer.sum' and the like, for error messages."""
    name = _NAMES.get(reducer)
    if name is None:
        custom = _custom.get(reducer)
        name = custom[0].__name__ if custom is not None else str(reducer)
    return 'Reducer.' + name


def kind_of(value):
    """A contribution's kind of container in words, for error messages."""
    if _is_array(value):
        return 'a NumPy %s array of shape %s' % (value.dtype.name, value.shape)
    if isinstance(value, array.array):
        return "an array.array('%s') of length %d" % (value.typecode, len(value))
    if isinstance(value, (list, tuple)):
        return 'a %s of length %d' % (type(value).__name__, len(value))
    name = type(value).__name__
    return ('an %s' if name[:1].lower() in 'aeiou' else 'a %s') % name


def _check_alike(name, values):
    """Raises ValueError naming the reduction unless every contribution is the
    same kind of container as the first, of the same shape (NumPy arrays), length
    and typecode (lists, tuples, array.array): element-wise reducers never
    broadcast, truncate or concatenate."""
    first = values[0]
    if _is_array(first):
        for v in values:
            if not _is_array(v):
                break
            if v.shape != first.shape:
                raise ValueError('%s: contributions have different shapes %s and %s'
                                 % (name, first.shape, v.shape))
        else:
            return
    elif isinstance(first, (list, tuple, array.array)):
        t = type(first)
        for v in values:
            if type(v) is not t:
                break
            if len(v) != len(first):
                raise ValueError('%s: contributions have different lengths %d and %d'
                                 % (name, len(first), len(v)))
            if t is array.array and v.typecode != first.typecode:
                break
        else:
            return
    else:
        for v in values:
            if _is_array(v) or isinstance(v, (list, tuple, array.array)):
                break
        else:
            return
    raise ValueError('%s: contributions of different kinds: %s and %s'
                     % (name, kind_of(first), kind_of(v)))


def _elementwise(reducer, scalar_op, array_op):
    """A reducer applying `scalar_op` pairwise over numbers (Python's arithmetic:
    ints stay exact, ints and floats mix), column-wise over lists, tuples and
    array.array, and `array_op` over NumPy arrays (of one shape)."""
    name = reducer_name(reducer)

    def reduce(values):
        _check_alike(name, values)
        first = values[0]
        if _is_array(first):
            return functools.reduce(array_op, values)
        if isinstance(first, array.array):
            return array.array(first.typecode,
                               [functools.reduce(scalar_op, column) for column in zip(*values)])
        if isinstance(first, (list, tuple)):
            return type(first)(functools.reduce(scalar_op, column) for column in zip(*values))
        return functools.reduce(scalar_op, values)
    return reduce


def _np_op(name):
    return lambda a, b: getattr(_np, name)(a, b)


_BUILTIN = {
    _charmpy.REDUCER_NOP: lambda values: None,
    _charmpy.REDUCER_SUM: _elementwise(_charmpy.REDUCER_SUM, operator.add, _np_op('add')),
    _charmpy.REDUCER_PRODUCT: _elementwise(_charmpy.REDUCER_PRODUCT, operator.mul, _np_op('multiply')),
    _charmpy.REDUCER_MAX: _elementwise(_charmpy.REDUCER_MAX, max, _np_op('maximum')),
    _charmpy.REDUCER_MIN: _elementwise(_charmpy.REDUCER_MIN, min, _np_op('minimum')),
    _charmpy.REDUCER_AND: _elementwise(_charmpy.REDUCER_AND, lambda a, b: bool(a) and bool(b),
                                       _np_op('logical_and')),
    _charmpy.REDUCER_OR: _elementwise(_charmpy.REDUCER_OR, lambda a, b: bool(a) or bool(b),
                                      _np_op('logical_or')),
    _charmpy.REDUCER_XOR: _elementwise(_charmpy.REDUCER_XOR, lambda a, b: bool(a) != bool(b),
                                       _np_op('logical_xor')),
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

    The numeric reducers (sum, product, min, max, logical_*) combine element-wise
    and give what charm4py 1.1 gives. Over a whole collection (group, array):

    - a Python int, float or bool, a NumPy scalar, or anything holding one value
      (a list, tuple, NumPy array or array.array of length 1): a Python int or
      float (a truth value as the int 0 or 1, as charm4py reads C's bool back).
    - lists and tuples of numbers: a 1-D NumPy array, int64 for Python ints,
      float64 when any value is a float, bool under the logical reducers.
    - NumPy arrays: a 1-D NumPy array of their dtype (flattened, as charm4py's C
      reducers return it); array.array: a NumPy array of the typecode's dtype (an
      array.array without NumPy).

    Over a section (or a group made with onPEs, whose thisProxy is a section),
    charm4py combines with NumPy's reduce, and so the results are NumPy scalars
    (int64, float64, bool_, the dtype of NumPy scalars) and NumPy arrays of the
    contributions' shape (length 1 included).

    Arithmetic: Python ints are summed exactly (each int travels as two 32-bit
    halves) and multiplied in Python (exact); a result that must be int64 (a
    NumPy array, a section's scalar) and does not fit raises OverflowError naming
    the reduction; a single int over a whole collection stays an exact Python
    int. A contribution that does not fit in 64 bits raises OverflowError.
    Floats are IEEE doubles; ints and floats do not mix under sum, min and max
    (contribute 0.0, not 0, where the data are floats: a mix is an error naming
    both), but products mix them as Python does. NumPy arrays, NumPy scalars and
    array.array use NumPy's arithmetic (integers wrap around on overflow).
    logical_and/or/xor read Python numbers (ints, floats, bools alike) as truth
    values. Data C does not take (float16 or complex arrays, Fractions, lists
    of them) is combined by Python at the root and keeps Python's (NumPy's)
    type and shape.

    Every contribution to one reduction must be the same kind of data with the
    same shape, length and type: anything else (a (2, 3) and a (3, 2) array, an
    int and a list, lists of different lengths, int64 and float64 arrays) is an
    error naming the reduction and both sides, raised by contribute()/allreduce()
    when the other side is on the same PE, otherwise aborting the job with that
    message. Other data (strings, Fractions, ...) is combined by Python at the
    root, with the same checks.
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


def combine(reducer, values):
    """The result of `reducer` over the list of contributions."""
    builtin = _BUILTIN.get(reducer)
    if builtin is not None:
        return builtin(values)
    func, _, post = _custom[reducer]
    result = func(values)
    return post(result) if post is not None else result
