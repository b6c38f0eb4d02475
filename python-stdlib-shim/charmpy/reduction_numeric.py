"""Numeric reductions combined in C: which contributions C takes (numbers, lists and
tuples of numbers, NumPy arrays, array.array under the numeric reducers), the "form"
that travels with them (what the result must become, and its words for error
messages), and the Python result rebuilt from C's bytes with charm4py's types (see
"result types" below). Results of numeric reducers combined in Python get the same
types (`typed`).
"""
import array
import struct

import _charmpy

from .reducers import kind_of, reducer_name

try:
    import numpy as _np
except ImportError:  # NumPy is optional for the reducers themselves
    _np = None


# The numeric reducers (C combines what they get when it can).
NUMERIC = {_charmpy.REDUCER_SUM, _charmpy.REDUCER_PRODUCT, _charmpy.REDUCER_MIN,
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
_INT_FORMS = _scalar_forms('int', NUMERIC - _LOGICAL - {_PRODUCT})
_FLOAT_FORMS = _scalar_forms('float', NUMERIC - _LOGICAL - {_PRODUCT})
_BOOL_FORMS = _scalar_forms('bool', _LOGICAL)


def scalar_forms():
    """[(reducer, 0 for a float or 1 for an int, form, text)]: what numeric_form
    gives a Python float or int (within 64 bits) under each reducer that C
    combines them with (_charmpy.allreduce_scalar takes those)."""
    return ([(r, 0, form, text) for r, (form, text) in _FLOAT_FORMS.items()] +
            [(r, 1, form, text) for r, (form, text) in _INT_FORMS.items()])


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
    if reducer not in NUMERIC:
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
    if reducer not in NUMERIC:
        return b''
    return ('%s of %s (combined in Python)' % (reducer_name(reducer), kind_of(data))).encode()


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


def decode(reducer, form, raw, section=False):
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


def typed(reducer, result, section):
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
