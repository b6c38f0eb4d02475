"""How charmpy pickles call arguments that the native fast path cannot encode.

Pickle protocol 5 with out-of-band buffers. NumPy arrays and bytearrays go out of
band on their own; this pickler also sends `bytes` (1 KiB and more),
`array.array` and contiguous `memoryview` objects out of band, so their bytes are
copied once, straight into the message, instead of through the pickle stream.
On the receiver, memoryviews view the message memory; bytes and array.array are
rebuilt from it (those types always own their memory).

Used by `_charmpy` (embed/pickle_codec.cc): `dumps(obj, buffer_callback)`.
"""
import array
import io
import pickle

_OUT_OF_BAND_MIN_BYTES = 1024


def _rebuild_array(typecode, buffer):
    a = array.array(typecode)
    a.frombytes(buffer)
    return a


def _rebuild_memoryview(buffer, fmt, shape):
    view = memoryview(buffer)
    if view.format != fmt or view.shape != shape:
        view = view.cast('B').cast(fmt, shape)
    return view


class _Pickler(pickle.Pickler):

    def reducer_override(self, obj):
        t = type(obj)
        if t is bytes:
            if len(obj) >= _OUT_OF_BAND_MIN_BYTES:
                return bytes, (pickle.PickleBuffer(obj),)
        elif t is array.array:
            return _rebuild_array, (obj.typecode, pickle.PickleBuffer(obj))
        elif t is memoryview:
            if obj.c_contiguous:
                return _rebuild_memoryview, (pickle.PickleBuffer(obj), obj.format, obj.shape)
            return _rebuild_memoryview, (obj.tobytes(), obj.format, obj.shape)
        return NotImplemented


def dumps(obj, buffer_callback):
    """Pickles `obj` (protocol 5); out-of-band buffers go to `buffer_callback`."""
    out = io.BytesIO()
    _Pickler(out, protocol=5, buffer_callback=buffer_callback).dump(obj)
    return out.getvalue()
