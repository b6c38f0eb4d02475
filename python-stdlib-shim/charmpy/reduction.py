"""Reducers and how Python reductions are combined.

    self.contribute(x, Reducer.sum, self.thisProxy[0].done)
    total = self.allreduce(x, Reducer.max).get()      # in a coroutine

Numeric reducers work on numbers, lists/tuples of numbers and NumPy arrays
(element-wise); `gather` gives the list of contributions ordered by element index;
no data and no reducer is an empty reduction (a barrier). `Reducer.addReducer(func,
pre=None, post=None)` adds `Reducer.<func name>`.

How it runs: every element's (reducer, data, target) travels over the runtime's
reduction tree to PE 0 (several reductions may be in flight; the runtime numbers
them per element), where `reduction_done` combines the contributions in element
order and sends the result to the target: a Future, a `proxy.method` (of one
element or of a whole collection), `charm.thisProxy[0].exit`, or each
contributor's own future for `allreduce`.
"""
import functools
import operator

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
    """The target of an allreduce contribution: the contributor's own future."""

    __slots__ = ('future',)

    def __init__(self, future):
        self.future = future

    def __reduce__(self):
        return AllReduceTarget, (self.future,)


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
    target = items[0][2]
    result = combine(reducer, [data for _, data, _ in items])
    if isinstance(target, AllReduceTarget):
        for _, _, t in items:
            t.future.send(result)
        return
    if target is None:
        return
    if reducer == _charmpy.REDUCER_NOP and not hasattr(target, 'send'):
        target()       # an empty reduction calls proxy.method() with no argument
    elif hasattr(target, 'send') and not callable(getattr(target, '__self__', None)):
        target.send(result)
    else:
        target(result)
