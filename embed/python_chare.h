// PythonChare: a chare whose state is a Python object. The runtime constructs and
// invokes it through the generic invokers below, which look the entry up in the
// EmbedState (entry id -> class and method name), unpack the arguments (by
// reference on the same PE, else unpickled with out-of-band buffers viewing the
// message) and call into Python; return values and exceptions go to the caller's
// future when there is one.
#pragma once

#include <memory>

#include "embed_state.h"
#include "pickle_codec.h"
#include "charm/chare_base.h"
#include "runtime/registry.h"

namespace charmpy {

class PythonChare : public charm::ChareBase {
 public:
  // `migrationEntry`: the constructor that rebuilds it on another PE (kNoEntry
  // for group elements, which never move).
  PythonChare(PyRef object, charm::EntryId migrationEntry)
      : object_(std::move(object)), migrationEntry_(migrationEntry) {
    embedState().chareOfObject[object_.get()] = this;
  }
  ~PythonChare() override { embedState().chareOfObject.erase(object_.get()); }
  PyObject* object() const { return object_.get(); }

  // Migration (python_migration.cc): the state travels pickled (__getstate__ /
  // __setstate__ honoured; thisProxy and thisIndex are rebuilt, not pickled).
  charm::EntryId migrationEntry() const override { return migrationEntry_; }
  std::string migrationBlocker() const override { return "group elements never migrate"; }
  void packState(charm::Pup& p) override;
  void migrated() override;
  void resumeFromSync() override;
  std::string busyReason() const override;
  // Coroutines of this chare that have started and not finished (it cannot move
  // while one is suspended: its frames live on this PE).
  int runningCoroutines = 0;

 private:
  PyRef object_;
  charm::EntryId migrationEntry_;
  std::unique_ptr<PickleCodec::Pickled> packed_;  // the state between the sizing and the packing pass
};

// Invoker of every Python entry method.
void invokePythonEntry(charm::ChareBase* chare, charm::InvokeContext& ctx);
// Constructor of every Python chare.
std::unique_ptr<charm::ChareBase> constructPythonChare(charm::InvokeContext& ctx);
// Constructor of a Python chare that migrated here (python_migration.cc).
std::unique_ptr<charm::ChareBase> constructMigratedPythonChare(charm::InvokeContext& ctx);

// With profiling on, adds `bytes` sent to the entry method running now.
void countSent(std::size_t bytes);
// Re-checks the @when / Chare.wait conditions of `object` (after anything that ran
// on it: an entry method, resumeFromSync, migrated; and while one of its coroutines
// suspends) and resumes a waiting call whose condition now holds. A dict lookup
// when nothing waits.
void recheckWaiting(PyObject* object);
// The attribute `name` of `object` itself (not of its class), a new reference, or
// null when it has none (no exception set; a pending one is kept). Read without
// making the instance __dict__: CPython 3.11 keeps an object's attributes inline
// until something asks for its __dict__, and once made (a split dict) LOAD_ATTR no
// longer specialises: every `self.x` in the chare's methods takes the slow path
// (about 70 instructions more each; _PyObject_GetDictPtr makes it).
PyRef instanceAttribute(PyObject* object, PyObject* name);
// An index as a Python tuple of ints.
PyRef indexToTuple(const charm::ArrayIndex& index);
// A message payload to unpickle with out-of-band buffers viewing it: `owner` (a
// _charmpy.Message; null with a Python exception set on failure) holds the
// message, adopted when the runtime allows, else a copy of the payload; the
// payload starts at `payload`, the owner's bytes at `base`.
struct OwnedPayload {
  PyRef owner;
  const std::byte* payload;
  const std::byte* base;
};
OwnedPayload ownPayload(charm::InvokeContext& ctx);
// The call arguments (args, kwargs) of a message, as a new reference.
PyRef decodeCall(charm::InvokeContext& ctx);
// A by-reference call's payload (kCallByReference, a same-PE call): the args tuple
// and the kwargs dict or null, whose references the message owned; taken once.
void takeByReference(const std::byte* payload, PyRef& args, PyRef& kwargs);
// The bytes a call received, as the profile counts them: its payload's, or for a
// same-PE call with arrays copied at the call, those of their encoding.
std::size_t receivedBytes(const charm::InvokeContext& ctx);
// The same as the args tuple and the kwargs dict (null when none); false with a
// Python exception set.
bool decodeArgs(charm::InvokeContext& ctx, PyRef& args, PyRef& kwargs);
// Sends `value` (or an exception) to the future `reply` owned by Python.
bool sendFutureValue(charm::FutureRef reply, PyObject* value, FutureFormat format);
// The currently raised exception as the (exception or None, text, type name)
// tuple sent to futures; clears it.
PyRef takeExceptionForFuture();

}  // namespace charmpy
