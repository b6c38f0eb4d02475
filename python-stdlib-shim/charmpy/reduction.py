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
it. Other allreduces (gather, custom reducers, data combined in Python) are
combined on PE 0 and broadcast back to the contributors, each of which resolves
its oldest pending allreduce future of that kind; such an element also puts a
marker in the pairwise exchange (`_charmpy.allreduce_marker`), so that an
allreduce some of whose elements took one way and some the other ends the job
naming both kinds of data instead of hanging.
"""
import array
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


def _kind_of(value):
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
                     % (name, _kind_of(first), _kind_of(v)))


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
_SUM, _PRODUCT = _charmpy.REDUCER_SUM, _charmpy.REDUCER_PRODUCT
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_LOW32 = 0xffffffff
# array.array typecodes combined in C (all but the character ones)
_ARRAY_TYPECODES = frozenset('bBhHiIlLqQfd')
# list/tuple element kinds: (dtype, words)
_LIST_ELEMENTS = {'int': ('<i8', 'int'), 'float': ('<f8', 'float'), 'bool': ('|b1', 'truth value')}


# NumPy dtypes combined in C (native bool, integers, float32, float64) -> their
# dtype.str (one lookup instead of dtype.str, which is slow, and kind checks)
_C_DTYPES = {} if _np is None else {_np.dtype(c): _np.dtype(c).str for c in '?bBhHiIlLqQfd'}


def _describe(form):
    """A numeric form in words."""
    kind = form[0]
    if kind == 'int':
        return 'an int'
    if kind == 'float':
        return 'a float'
    if kind == 'bool':
        return 'a truth value'
    if kind == 'none':
        return 'no data'
    if kind == 'npscalar':
        return 'a NumPy %s scalar' % _np.dtype(form[1]).name
    if kind == 'ndarray':
        return 'a NumPy %s array of shape %s' % (_np.dtype(form[1]).name, form[2])
    if kind == 'array':
        return "an array.array('%s') of length %d" % (form[1], form[2])
    count = form[2]  # list, tuple
    return 'a %s of %d %s%s' % (kind, count, _LIST_ELEMENTS[form[1]][1], '' if count == 1 else 's')


# (reducer, form) -> the form's text (bytes) that travels with the data; bounded
# (forms with shapes vary without limit in some programs).
_texts = {}
_MAX_TEXTS = 4096


def _text(reducer, form):
    text = _texts.get((reducer, form))
    if text is None:
        if len(_texts) >= _MAX_TEXTS:
            _texts.clear()
        text = _texts[(reducer, form)] = ('%s of %s' % (reducer_name(reducer), _describe(form))).encode()
    return text


def _too_big(reducer, value):
    return OverflowError('%s: %d does not fit in 64 bits; numeric reducers combine Python ints in C '
                         'as 64-bit values (their sums stay exact past that). Register a Python '
                         'reducer with Reducer.addReducer for bigger ints'
                         % (reducer_name(reducer), value))


def _scalar_forms(kind, reducers):
    return {r: ((kind,), _text(r, (kind,))) for r in reducers}


# Python numbers: ints and floats under sum, min and max; truth values under the
# logical reducers (products are Python's).
_INT_FORMS = _scalar_forms('int', _NUMERIC - _LOGICAL - {_PRODUCT})
_FLOAT_FORMS = _scalar_forms('float', _NUMERIC - _LOGICAL - {_PRODUCT})
_BOOL_FORMS = _scalar_forms('bool', _LOGICAL)


def numeric_form(reducer, data):
    """(what the result must become, the data for the C reducer, the form's text),
    or None when `data` is combined in Python (not numbers, or a product of Python
    numbers, which Python keeps exact). Raises OverflowError for an int that does
    not fit in 64 bits (see ReducerContainer)."""
    t = type(data)
    if t is float:  # the common cases first: one lookup each
        known = _FLOAT_FORMS.get(reducer)
        if known is not None:
            return known[0], data, known[1]
    elif t is int:
        known = _INT_FORMS.get(reducer)  # under sum, C splits the int into two lanes
        if known is not None:
            if _INT64_MIN <= data <= _INT64_MAX:
                return known[0], data, known[1]
            raise _too_big(reducer, data)
    if reducer not in _NUMERIC:
        return None
    if t is float or t is int or t is bool:
        if reducer in _LOGICAL:  # truth values: ints, floats and bools mix
            form, text = _BOOL_FORMS[reducer]
            return form, bool(data), text
        if reducer == _PRODUCT:
            return None
        form, text = _INT_FORMS[reducer]  # a bool: Python sums booleans as integers
        return form, int(data), text
    if t is array.array:
        if data.typecode not in _ARRAY_TYPECODES:
            return None
        form = ('array', data.typecode, len(data))
        return form, data, _text(reducer, form)
    if _np is None:
        return None
    if t is _np.ndarray:
        dtype = _C_DTYPES.get(data.dtype)
        if dtype is None:
            return None
        form = ('ndarray', dtype, data.shape)
        return form, _np.ascontiguousarray(data), _text(reducer, form)
    if t is list or t is tuple:
        return _sequence_form(reducer, data, t)
    if isinstance(data, _np.generic):
        dtype = _C_DTYPES.get(data.dtype)
        if dtype is None or reducer == _PRODUCT:
            return None
        form = ('npscalar', dtype)
        return form, _np.ascontiguousarray(data).reshape(1), _text(reducer, form)
    return None


def _sequence_form(reducer, data, t):
    """numeric_form of a list or tuple of Python numbers (None for others)."""
    types = set(map(type, data))
    if not types <= {int, float, bool} or reducer == _PRODUCT:
        return None
    if reducer in _LOGICAL:
        element, values = 'bool', _np.array(data, dtype=_np.bool_)
    elif float in types:
        element, values = 'float', _np.array(data, dtype=_np.float64)
    else:
        element = 'int'
        try:
            values = _np.array(data, dtype=_np.int64)
        except OverflowError:
            raise _too_big(reducer, next(x for x in data if not _INT64_MIN <= x <= _INT64_MAX)) from None
        if reducer == _SUM:  # two lanes per value, as for a single int
            values = _np.concatenate((values >> 32, values & _LOW32))
    form = (t.__name__, element, len(data))
    return form, values, _text(reducer, form)


def python_form_text(reducer, data):
    """The text naming data combined in Python, should a numeric contribution meet it."""
    if reducer not in _NUMERIC:
        return b''
    return ('%s of %s (combined in Python)' % (reducer_name(reducer), _kind_of(data))).encode()


# Scalar results: 8-byte int, 8-byte float or 1-byte bool.
_SCALAR = {'int': struct.Struct('<q'), 'float': struct.Struct('<d'), 'bool': struct.Struct('?')}
_LANES = struct.Struct('<qq')

# The form of an empty allreduce (no data, no reducer): the result is None.
NO_DATA = ('none',)

# ----- result types ---------------------------------------------------------------
# charm4py 1.1 gives numeric results in two ways, and so does charmpy:
#
# - Over a whole collection (a group, an array, a single chare) Charm++'s C
#   reducers combine the data as C values, and a result of one value comes back
#   as a Python int or float (truth values as the int 0 or 1), a longer one as a
#   1-D NumPy array of the C type's dtype (Python ints: int64, floats: float64,
#   truth values: bool; NumPy arrays and array.array: their own dtype, flattened).
# - Over a section (and a group made with onPEs, whose thisProxy is a section)
#   charm4py combines with NumPy's reduce: a NumPy scalar of the data's dtype
#   for numbers, a NumPy array of the contributions' shape otherwise.
#
# Python ints stay exact where charmpy sums them (two 64-bit lanes): a result
# that charm4py gives as int64 and that does not fit raises OverflowError naming
# the reduction, never a wrapped-around value.


def _int64_overflow(reducer, value):
    return OverflowError('%s: the result %d does not fit in int64, the type charm4py gives this '
                         'result (a NumPy int64 array or scalar); contribute the ints one by one '
                         '(a single int is an exact Python int over a whole collection) or '
                         'register a Python reducer with Reducer.addReducer'
                         % (reducer_name(reducer), value))


def _int64_array(reducer, ints):
    """A NumPy int64 array of the Python ints `ints` (OverflowError naming the
    reduction should one not fit)."""
    try:
        return _np.array(ints, dtype=_np.int64)
    except OverflowError:
        raise _int64_overflow(reducer, next(v for v in ints if not _INT64_MIN <= v <= _INT64_MAX)) from None


def _section_scalar(reducer, value):
    """A Python number as charm4py's section reductions give it (a NumPy scalar)."""
    if reducer in _LOGICAL:
        return _np.bool_(value)
    if type(value) is float:
        return _np.float64(value)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _int64_overflow(reducer, value)
    return _np.int64(value)


def _one_value(values):
    """The one value of a 1-D NumPy array as charm4py reads it back from C: a
    Python int or float (truth values as 0 or 1)."""
    value = values[0]
    return int(value) if values.dtype == _np.bool_ else value.item()


def _collection_vector(values):
    """A whole collection's 1-D result: its one value, or the array (charm4py)."""
    return _one_value(values) if values.size == 1 else values


def _decode_numeric(reducer, form, raw, section=False):
    """The Python result of a C-combined reduction from its raw bytes (`section`:
    over a section, with charm4py's section types)."""
    kind = form[0]
    logical = reducer in _LOGICAL
    if kind == 'int' and reducer == _SUM:  # [count 2][high][low]
        high, low = _LANES.unpack_from(raw, 8)
        value = (high << 32) + low
        return _section_scalar(reducer, value) if section else value
    scalar = _SCALAR.get(kind)
    if scalar is not None:
        value = scalar.unpack_from(raw)[0]
        if section:
            return _section_scalar(reducer, value)
        return int(value) if logical else value
    if kind == 'none':
        return None
    # vectors: a u64 count, then the values
    if kind == 'array':
        if _np is None:  # charm4py without NumPy: an array.array
            values = array.array(form[1], bytes(memoryview(raw)[8:]))
            return values[0] if len(values) == 1 and not section else values
        values = _np.frombuffer(raw, _np.dtype(form[1]), offset=8)  # views the message
    elif kind in ('list', 'tuple'):
        element, n = form[1], form[2]
        if n == 0:  # charm4py: NumPy's reduce of empty lists
            return _np.zeros(0)
        values = _np.frombuffer(raw, _LIST_ELEMENTS[element][0], offset=8)
        if element == 'int' and reducer == _SUM:
            ints = [(high << 32) + low for high, low in zip(values[:n].tolist(), values[n:].tolist())]
            if n == 1 and not section:
                return ints[0]  # one value: a Python int, exact
            return _int64_array(reducer, ints)
    else:
        values = _np.frombuffer(raw, form[1], offset=8)  # views the received message
        if section:
            return values.reshape(form[2]) if kind == 'ndarray' else values[0]
    return values if section else _collection_vector(values)


def _typed(reducer, result, section):
    """The result of a numeric reducer combined in Python (products of Python
    numbers, data C does not take), typed as charm4py gives it: lists and tuples
    of numbers as NumPy arrays, NumPy scalars (products) as Python numbers over
    a whole collection; other data as Python combined it."""
    t = type(result)
    if t is int or t is float or t is bool:
        if section:
            return _section_scalar(reducer, result)
        return int(result) if reducer in _LOGICAL else result
    if _np is None:
        return result
    if t is list or t is tuple:
        types = set(map(type, result))
        if not types <= {int, float, bool}:
            return result  # Fractions and the like: Python's list (tuple)
        if not result:
            return _np.zeros(0)
        if float in types:
            values = _np.array(result, dtype=_np.float64)
        elif types == {bool} and reducer in _LOGICAL:
            values = _np.array(result, dtype=_np.bool_)
        else:
            if len(result) == 1 and not section:
                return int(result[0])  # one value: a Python int, exact
            values = _int64_array(reducer, result)
        return values if section else _collection_vector(values)
    if isinstance(result, _np.generic) and not section:
        return int(result) if result.dtype == _np.bool_ else result.item()
    return result


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
        result = _decode_numeric(reducer, form, raw, section)
    except OverflowError as e:
        result = Failed(e)
    deliver(reducer, target, result)


_NO_DATA_FORM = (NO_DATA, None, b'')


def allreduce_form(reducer, data):
    """(form, data for C, form text) of an allreduce taking the C path, or None."""
    if reducer == _charmpy.REDUCER_NOP and data is None:
        return _NO_DATA_FORM
    return numeric_form(reducer, data)


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
        value = _decode_numeric(reducer, form, raw, section)
    except OverflowError as e:
        for f in futures:
            Failed(e).raise_in(f)
        return
    if len(futures) > 1 and type(value) is _np_ndarray and value.flags.writeable:
        value.flags.writeable = False
    for f in futures:
        f._deliver(value, False)


_np_ndarray = None if _np is None else _np.ndarray


def combine(reducer, values):
    """The result of `reducer` over the list of contributions."""
    builtin = _BUILTIN.get(reducer)
    if builtin is not None:
        return builtin(values)
    func, _, post = _custom[reducer]
    result = func(values)
    return post(result) if post is not None else result


def reduction_done(items):
    """Runtime hook on PE 0: `items` are the (reducer, data, target, section typed)
    contributions of one reduction in element order; combines and delivers the
    result."""
    reducer, _, target, section = items[0]
    result = combine(reducer, [item[1] for item in items])
    if reducer in _NUMERIC:
        try:
            result = _typed(reducer, result, section)
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
