#include "message_object.h"

#include <new>

namespace charmpy {

namespace {

struct MessageObject {
  PyObject_HEAD
  charm::MessageBuffer message;
};

void messageDealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  reinterpret_cast<MessageObject*>(self)->message.~MessageBuffer();
  PyObject_Free(self);
  Py_DECREF(type);  // instances of heap types own a reference to their type
}

int messageGetBuffer(PyObject* self, Py_buffer* view, int flags) {
  auto* m = reinterpret_cast<MessageObject*>(self);
  return PyBuffer_FillInfo(view, self, m->message.data(),
                           static_cast<Py_ssize_t>(m->message.size()), /*readonly=*/0, flags);
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

PyRef wrapMessage(charm::MessageBuffer message) {
  PyObject* obj = PyType_GenericAlloc(messageType, 0);
  if (!obj) return {};
  new (&reinterpret_cast<MessageObject*>(obj)->message) charm::MessageBuffer(std::move(message));
  return PyRef::steal(obj);
}

PyRef viewOf(PyObject* messageObject, std::size_t offset, std::size_t length) {
  PyRef whole = PyRef::steal(PyMemoryView_FromObject(messageObject));
  if (!whole) return {};
  return PyRef::steal(PySequence_GetSlice(whole.get(), static_cast<Py_ssize_t>(offset),
                                          static_cast<Py_ssize_t>(offset + length)));
}

}  // namespace charmpy
