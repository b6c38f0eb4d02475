// _charmpy.Message: a Python object that owns a received message buffer and
// exposes its bytes through the buffer protocol. Arrays unpickled from
// out-of-band buffers view this memory, so a NumPy argument of a remote call is
// never copied after MPI received it; the message lives as long as they do.
// A Message may be read-only: an allreduce result shared by several local
// elements, or one the transport is still sending to another PE.
#pragma once

#include <memory>

#include "py_ref.h"
#include "charm/detail/message.h"

namespace charmpy {

// Registers the type (call once, after the interpreter is up).
bool initMessageType(PyObject* module);
// A Message object owning `message` (writable unless `readonly`).
PyRef wrapMessage(charm::MessageBuffer message, bool readonly = false);
// A read-only Message object sharing `message` with whoever else holds it.
PyRef wrapSharedMessage(std::shared_ptr<const charm::MessageBuffer> message);
// True when `object` is a Message whose bytes may be written (not read-only).
bool isWritableMessage(PyObject* object);
// A memoryview of bytes [offset, offset+length) of a Message object; keeps it alive.
PyRef viewOf(PyObject* messageObject, std::size_t offset, std::size_t length);

}  // namespace charmpy
