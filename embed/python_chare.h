// PythonChare: a chare whose state is a Python object. The runtime constructs and
// invokes it through the generic invokers below, which look the entry up in the
// EmbedState (entry id -> class and method name), unpack the arguments (by
// reference on the same PE, else unpickled with out-of-band buffers viewing the
// message) and call into Python; return values and exceptions go to the caller's
// future when there is one.
#pragma once

#include "embed_state.h"
#include "runtime/chare_base.h"
#include "runtime/registry.h"

namespace charmpy {

class PythonChare : public charm::ChareBase {
 public:
  explicit PythonChare(PyRef object) : object_(std::move(object)) {
    embedState().chareOfObject[object_.get()] = this;
  }
  ~PythonChare() override { embedState().chareOfObject.erase(object_.get()); }
  PyObject* object() const { return object_.get(); }

 private:
  PyRef object_;
};

// Invoker of every Python entry method.
void invokePythonEntry(charm::ChareBase* chare, charm::InvokeContext& ctx);
// Constructor of every Python chare.
std::unique_ptr<charm::ChareBase> constructPythonChare(charm::InvokeContext& ctx);

// With profiling on, adds `bytes` sent to the entry method running now.
void countSent(std::size_t bytes);
// An index as a Python tuple of ints.
PyRef indexToTuple(const charm::ArrayIndex& index);
// The call arguments (args, kwargs) of a message, as a new reference.
PyRef decodeCall(charm::InvokeContext& ctx);
// Sends `value` (or an exception) to the future `reply` owned by Python.
bool sendFutureValue(charm::FutureRef reply, PyObject* value, FutureFormat format);
// The currently raised exception as the (exception or None, text, type name)
// tuple sent to futures; clears it.
PyRef takeExceptionForFuture();

}  // namespace charmpy
