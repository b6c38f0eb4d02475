// EmbedState: what charmpy-run keeps for the embedded interpreter on this PE:
// the runtime it drives, the Python hooks of the charmpy package, the table of
// Python entry methods, and the pickling codec. One per process, created by
// main() before the interpreter runs the program, reached by the `_charmpy`
// functions through embedState().
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "comm/transport.h"
#include "fast_codec.h"
#include "fiber_thread_states.h"
#include "pickle_codec.h"
#include "py_ref.h"
#include "runtime/envelope_flags.h"
#include "python_embedding_hooks.h"
#include "runtime/runtime.h"
#include "runtime/runtime_flags.h"

namespace charmpy {

// This layer's envelope flags: defined with every other flag bit, their kinds
// and meanings, in the table of runtime/envelope_flags.h.
using charm::kCallByReference;   // EntryCall: payload is two PyObject*: args, kwargs or null
using charm::kCallFast;          // calls, broadcasts: payload is FastCodec-encoded args, no kwargs
using charm::kFutureFormatMask;  // FutureValue: the bits holding a FutureFormat
using charm::kReplyGathered;     // broadcasts with ret=True: the reply is a list of results
using charm::kWantList;          // FutureValue, Gathered: deliver the list (ret=True), not None

// Formats of Python future values (the kFutureFormatMask bits of the FutureValue flags).
enum class FutureFormat : std::uint8_t {
  Pickled = 1,      // a pickled value
  ByReference = 2,  // a PyObject* (same PE)
  Exception = 3,    // pickled (exception or None, traceback text, type name)
  Gathered = 4,     // pup vector<string> of pickles, in element order
  None = 5,         // no payload: the value is None
  Fast = 6,         // a FastCodec 1-tuple holding the value
  Reduction = 7,    // a Python reduction's contributions (pup vector<string> of pickles), at PE 0
  NumericReduction = 8,  // [u64 tag length][tag][result bytes] of a reduction combined in C
};
static_assert(static_cast<std::uint8_t>(FutureFormat::NumericReduction) <= kFutureFormatMask,
              "a FutureFormat must fit the flag bits kFutureFormatMask");

// The futures of this PE's elements waiting for one allreduce (module_allreduce.cc).
struct PendingAllReduce {
  charm::CollectionId collection = 0;
  std::uint32_t number = 0;  // the reduction number
  int reducer = 0;
  PyRef form;     // what the result becomes (reduction.numeric_form)
  PyRef futures;  // list, in contribution order
};

struct PythonEntry {
  PyRef cls;
  PyRef methodName;  // null for constructors
  PyRef function;    // the plain function cls.<method>, looked up once; null if not one
  int kind = 0;      // constructors: the collection kind
  bool coro = false;
  // Constructors of migratable kinds: the entry that rebuilds a migrated element.
  charm::EntryId migrationEntry = charm::kNoEntry;
};

// Per-entry-method profile (charm.options.profiling): calls, wall time inside the
// method (for coroutines: until it returns, waits included) and bytes.
struct EntryProfile {
  std::uint64_t calls = 0;
  double seconds = 0;
  std::uint64_t bytesReceived = 0;
  std::uint64_t bytesSent = 0;
};

struct EmbedState {
  charm::Runtime* runtime = nullptr;
  charm::comm::Transport* transport = nullptr;
  charm::RuntimeFlags flags;
  PickleCodec codec;
  FastCodec fast;
  FiberThreadStates threadStates;
  PyThreadState* schedulerState = nullptr;
  PythonEmbeddingHooks hooks;  // installed in the runtime by _charmpy.set_hooks

  PyRef makeChare, deliverFuture, formatException, arrayMapPe, reductionDone, numericReductionDone;
  PyRef allreduceDone;   // reduction.allreduce_done(reducer, form, raw, futures)
  PyRef packChare, unpackChare;  // migration: the state of a chare to bytes and back
  PyRef recheckWaiting;  // when.recheck(chare): calls waiting on a condition of that chare
  PyRef collectionDestroyed;  // chare.collection_destroyed(cid): forget the Python records of an array
  PyRef waitingKey;      // "_charmpy_waiting", interned
  // A chare of this PE had a call wait on a condition (_charmpy.note_waiting, from
  // when.py): until then no chare has a waiting list, and nothing is re-checked.
  bool conditionsWaited = false;
  // The runtime's chare of every Python chare object on this PE (for contribute).
  std::unordered_map<PyObject*, charm::ChareBase*> chareOfObject;
  std::unordered_map<charm::EntryId, PythonEntry> entries;
  std::unordered_map<charm::Fiber*, PyRef> resumeValues;
  std::vector<PendingAllReduce> allreduces;  // few in flight: searched linearly
  std::uint64_t nextFutureId = 1;
  bool started = false;
  bool profiling = false;
  // Same-PE calls: true (charm.options.local_msg_optim) passes every argument object
  // by reference; false (the default) only those nobody can see change: immutable
  // values and instances of `shareableTypes` (proxies, futures); others are copied.
  bool localMsgOptim = false;
  PyRef shareableTypes;  // a tuple of classes
  // The last type that is not a heap type and not a subclass of any of
  // shareableTypes (e.g. numpy.ndarray): its instances are copied without looking
  // through shareableTypes again. Exact: such a type's MRO cannot change (only a
  // heap type's __bases__ can be assigned). Reset by set_local_calls.
  PyRef unsharedStaticType;
  // proxy.Proxy and the offsets of its slots, read by the proxies' C methods
  // (proxy_methods.cc); type null until proxy.py registers it.
  struct ProxyLayout {
    PyRef type;
    Py_ssize_t cid = 0, index = 0, pe = 0, dims = 0;
  } proxyLayout;
  // While PE 0's start-up holds calls (sender.py), the proxies' C methods call their
  // Python fallbacks, which go through the Sender.
  bool callsHeld = false;
  charm::EntryId runningEntry = charm::kNoEntry;  // attributed the bytes sent (profiling)
  std::unordered_map<charm::EntryId, EntryProfile> profile;
  std::vector<int> hostOfPe;
  std::vector<std::vector<int>> pesOnHost;
  int myHost = 0;
};

EmbedState& embedState();
void setEmbedState(EmbedState* state);

// Prints the pending Python exception (with traceback) as the reason and ends
// the job non-zero. `where` says what was running.
[[noreturn]] void abortWithPythonError(const std::string& where);
// Clears the pending SystemExit and returns its exit code as python3 would (None:
// 0, an int: itself, anything else: printed, 1).
int takeSystemExitCode();
// Flushes sys.stdout and sys.stderr (errors ignored): before the job may be ended
// by force, so nothing printed is lost.
void flushPythonOutput();
// Handles a Python exception escaping user code run by the runtime: SystemExit
// ends the program with its code; anything else aborts the job with the traceback.
void handleUncaught(const std::string& where);

}  // namespace charmpy
