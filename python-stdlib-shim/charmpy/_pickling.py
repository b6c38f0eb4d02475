"""How charmpy pickles call arguments that the native fast path cannot encode.

Pickle protocol 5 with out-of-band buffers. NumPy arrays go out of band on their
own; this module also sends `bytes` and `bytearray` (1 KiB and more, found inside
tuples, lists and dicts), `array.array` and contiguous `memoryview` objects out of
band, so their bytes are copied once, straight into the message, instead of
through the pickle stream. On the receiver, memoryviews view the message memory;
bytes, bytearray and array.array are rebuilt from it (those types always own
their memory).

Used by `_charmpy` (embed/pickle_codec.cc): `dumps(obj, buffer_callback)`.
"""
import array
import io
import pickle

_OUT_OF_BAND_MIN_BYTES = 1024
_BOX_DEPTH = 4   # how deep in tuples, lists and dicts _box looks (the C scan reads both)


def _rebuild_array(typecode, buffer):
    a = array.array(typecode)
    a.frombytes(buffer)
    return a


def _rebuild_memoryview(buffer, fmt, shape):
    view = memoryview(buffer)
    if view.format != fmt or view.shape != shape:
        view = view.cast('B').cast(fmt, shape)
    return view


class _OutOfBand:
    """Stands in for a bytes/bytearray while pickling: the C pickler writes those
    types in-band before any reducer_override could see them."""

    __slots__ = ('obj',)

    def __init__(self, obj):
        self.obj = obj

    def __reduce_ex__(self, protocol):
        return type(self.obj), (pickle.PickleBuffer(self.obj),)


def _box(obj, depth=0):
    """`obj` with large bytes/bytearray inside tuples, lists and dicts (a few
    levels deep) replaced by _OutOfBand; containers are copied only if changed."""
    t = type(obj)
    if t is bytes or t is bytearray:
        return _OutOfBand(obj) if len(obj) >= _OUT_OF_BAND_MIN_BYTES else obj
    if depth >= _BOX_DEPTH:
        return obj
    if t is tuple or t is list:
        boxed = [_box(x, depth + 1) for x in obj]
        if all(a is b for a, b in zip(boxed, obj)):
            return obj
        return t(boxed)
    if t is dict:
        boxed = {k: _box(v, depth + 1) for k, v in obj.items()}
        if all(boxed[k] is v for k, v in obj.items()):
            return obj
        return boxed
    return obj


class _Pickler(pickle.Pickler):

    def reducer_override(self, obj):
        t = type(obj)
        if t is array.array:
            return _rebuild_array, (obj.typecode, pickle.PickleBuffer(obj))
        elif t is memoryview:
            if obj.c_contiguous:
                return _rebuild_memoryview, (pickle.PickleBuffer(obj), obj.format, obj.shape)
            return _rebuild_memoryview, (obj.tobytes(), obj.format, obj.shape)
        return NotImplemented


def dumps(obj, buffer_callback):
    """Pickles `obj` (protocol 5); out-of-band buffers go to `buffer_callback`."""
    return dumps_unboxed(_box(obj), buffer_callback)


def dumps_unboxed(obj, buffer_callback):
    """dumps() without _box: for an object known to hold no large bytes or bytearray
    where _box looks. The runtime (embed/pickle_codec.cc) checks that in C and comes
    here when it holds none: _box walks every element of a list in Python, which
    cost ten times the pickling of a list of numbers (230 vs 17 us for 1,000)."""
    out = io.BytesIO()
    _Pickler(out, protocol=5, buffer_callback=buffer_callback).dump(obj)
    return out.getvalue()
