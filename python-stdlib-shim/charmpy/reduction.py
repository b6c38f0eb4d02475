"""Reducers: `Reducer.sum`, `Reducer.max`, ... name the runtime's built-in reducers.

    self.contribute(x, Reducer.sum, self.thisProxy[0].done)

Numeric reducers work on numbers, lists/tuples of numbers and NumPy arrays
(element-wise); `gather` gives the list of contributions ordered by element index.
"""
import _charmpy


class ReducerContainer:
    """The set of reducers (one instance, `Reducer`).

    Attributes: `nop`, `sum`, `product`, `min`, `max`, `logical_and`, `logical_or`,
    `logical_xor`, `gather` (each the runtime's reducer number).
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
        """Adds a Python reducer `Reducer.<func name>` (func takes the list of
        contributions; `pre(data, contributor)` runs at each contributor,
        `post(result)` once at the end).

        Not supported yet: raises NotImplementedError (custom Python reducers come with
        a later issue; the built-in reducers work).
        """
        raise NotImplementedError(
            'Reducer.addReducer(%s): custom Python reducers are not supported yet (they '
            'come with a later issue); use a built-in reducer such as Reducer.sum or '
            'Reducer.gather' % getattr(func, '__name__', func))

    def __repr__(self):
        return '<charmpy Reducer container>'


Reducer = ReducerContainer()


def reducer_id(reducer):
    """The runtime's number for `reducer` (None means "no data": the nop reducer)."""
    if reducer is None:
        return _charmpy.REDUCER_NOP
    if isinstance(reducer, int) and not isinstance(reducer, bool):
        return reducer
    raise TypeError('unknown reducer %r: use one of Reducer.sum, Reducer.max, ..., '
                    'Reducer.gather' % (reducer,))
