#include "message_object.h"

#include <new>

namespace charmpy {

namespace {

struct MessageObject {
  PyObject_HEAD
  charm::MessageBuffer message;                         // owned, or empty when shared
  std::shared_ptr<const charm::MessageBuffer> shared;  // read-only, held with others
  bool readonly;
};

void messageDealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  auto* m = reinterpret_cast<MessageObject*>(self);
  m->message.~MessageBuffer();
  using Shared = std::shared_ptr<const charm::MessageBuffer>;
  m->shared.~Shared();
  PyObject_Free(self);
  Py_DECREF(type);  // instances of heap types own a reference to their type
}

int messageGetBuffer(PyObject* self, Py_buffer* view, int flags) {
  auto* m = reinterpret_cast<MessageObject*>(self);
  const charm::MessageBuffer& buffer = m->shared ? *m->shared : m->message;
  // FillInfo refuses a writable request on a read-only Message (BufferError).
  return PyBuffer_FillInfo(view, self, const_cast<std::byte*>(buffer.data()),
                           static_cast<Py_ssize_t>(buffer.size()), m->readonly ? 1 : 0, flags);
}

PyType_Slot messageSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(messageDealloc)},
    {Py_bf_getbuffer, reinterpret_cast<void*>(messageGetBuffer)},
    {Py_tp_doc, const_cast<char*>("A received message whose bytes Python objects may view.")},
    {0, nullptr}};

PyType_Spec messageSpec = {"_charmpy.Message", sizeof(MessageObject), 0, Py_TPFLAGS_DEFAULT,
                           messageSlots};

PyTypeObject* messageType = nullptr;  // created once per process by initMessageType

}  // namespace

bool initMessageType(PyObject* module) {
  messageType = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&messageSpec));
  if (!messageType) return false;
  Py_INCREF(messageType);
  return PyModule_AddObject(module, "Message", reinterpret_cast<PyObject*>(messageType)) == 0;
}

namespace {
PyRef newMessageObject(charm::MessageBuffer message, std::shared_ptr<const charm::MessageBuffer> shared,
                       bool readonly) {
  PyObject* obj = PyType_GenericAlloc(messageType, 0);
  if (!obj) return {};
  auto* m = reinterpret_cast<MessageObject*>(obj);
  new (&m->message) charm::MessageBuffer(std::move(message));
  new (&m->shared) std::shared_ptr<const charm::MessageBuffer>(std::move(shared));
  m->readonly = readonly;
  return PyRef::steal(obj);
}
}  // namespace

PyRef wrapMessage(charm::MessageBuffer message, bool readonly) {
  return newMessageObject(std::move(message), nullptr, readonly);
}

PyRef wrapSharedMessage(std::shared_ptr<const charm::MessageBuffer> message) {
  return newMessageObject(charm::MessageBuffer{}, std::move(message), true);
}

bool isWritableMessage(PyObject* object) {
  return Py_IS_TYPE(object, messageType) && !reinterpret_cast<MessageObject*>(object)->readonly;
}

PyRef viewOf(PyObject* messageObject, std::size_t offset, std::size_t length) {
  PyRef whole = PyRef::steal(PyMemoryView_FromObject(messageObject));
  if (!whole) return {};
  return PyRef::steal(PySequence_GetSlice(whole.get(), static_cast<Py_ssize_t>(offset),
                                          static_cast<Py_ssize_t>(offset + length)));
}

}  // namespace charmpy
