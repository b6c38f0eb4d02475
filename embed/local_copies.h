// A same-PE call whose arguments are numbers and mid-size NumPy arrays (stencil3d's
// `neighbour.ghost(iteration, face, data)`): the arrays are copied at the call into
// arrays exactly like those the receiver would rebuild from a message, and the
// argument tuple goes to the receiver by reference (kCallByReference). The call
// still behaves as if its arguments were copied at the call, and the receiver sees
// what it saw before; what goes is the encoding into a message and the decoding
// out of it (the argument header, dtype string, shape, the tuple rebuilt, the
// numbers boxed again).
#pragma once

#include <cstddef>

#include "py_ref.h"

namespace charmpy {

// The argument tuple for a same-PE call of the `n` items at `items`, with each
// array copied now, when every item is None, a bool, an int of 64 bits, a float,
// or an exact numpy.ndarray that the fast codec would carry in the message and the
// receiver view there (plain numeric dtype, C-contiguous, aligned, more than
// FastCodec::kCopyBelow bytes), and there is at least one such array. Each copy is
// what FastCodec::unpack makes on receipt: an array of the dtype object it would
// use, the same shape, writable, over a _charmpy.Message of its own as its base.
// `payloadBytes`: the payload FastCodec::pack would have made (what the profile
// and the load balancer count for the call, as before).
// Null with no exception set when the call does not qualify (the caller encodes
// it as before); null with an exception set when a copy failed.
PyRef copyArgsForThisPe(PyObject* const* items, Py_ssize_t n, std::size_t& payloadBytes);

}  // namespace charmpy
