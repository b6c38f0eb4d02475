// _charmpy.Message: a Python object that owns a received message buffer and
// exposes its bytes through the buffer protocol (writable). Arrays unpickled from
// out-of-band buffers view this memory, so a NumPy argument of a remote call is
// never copied after MPI received it; the message lives as long as they do.
#pragma once

#include "py_ref.h"
#include "runtime/message.h"

namespace charmpy {

// Registers the type (call once, after the interpreter is up).
bool initMessageType(PyObject* module);
// A Message object owning `message`.
PyRef wrapMessage(charm::MessageBuffer message);
// A memoryview of bytes [offset, offset+length) of a Message object; keeps it alive.
PyRef viewOf(PyObject* messageObject, std::size_t offset, std::size_t length);

}  // namespace charmpy
