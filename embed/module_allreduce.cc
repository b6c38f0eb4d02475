// `_charmpy` side of Chare.allreduce for numbers and arrays: contributions go to
// the runtime's AllReduceManager (pairwise exchange between PEs, combined in C
// straight from the NumPy array's memory), and the result comes back once per PE
// here, where it is handed to the pending futures of this PE's elements with one
// call of the package's allreduce_done hook. Nothing goes through PE 0 or a
// Python-level broadcast; the result array views the received message.
#include <algorithm>
#include <cstring>

#include "message_object.h"
#include "module_support.h"
#include "numeric_data.h"
#include "runtime/chare_internals.h"

namespace charmpy {

namespace {

std::vector<PendingAllReduce>::iterator findAllReduce(EmbedState& st, charm::CollectionId collection,
                                                      std::uint32_t number) {
  return std::find_if(st.allreduces.begin(), st.allreduces.end(), [&](const PendingAllReduce& p) {
    return p.collection == collection && p.number == number;
  });
}

// Scalar results (Python int, float or bool contributions) are a few bytes:
// a bytes object is cheaper than a Message and a memoryview, and nothing can
// write to it.
constexpr std::size_t kCopiedResultBytes = 64;

}  // namespace

// allreduce_numeric(chare, reducer, data, form, form_text, future): contributes
// `data` (a number, a buffer of numbers, or None for an empty reduction) to the
// element's next reduction, whose result resolves `future`, decoded as `form`
// says (reduction.numeric_form); `form_text` (bytes) describes it and must be
// the same for every element (charm::NumericSpan::form).
PyObject* py_allreduce_numeric(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 6) return fail(PyExc_TypeError, "allreduce_numeric takes 6 arguments");
  PyObject *chareObj = args[0], *data = args[2], *form = args[3], *future = args[5];
  const long reducer = PyLong_AsLong(args[1]);
  if (reducer == -1 && PyErr_Occurred()) return nullptr;
  char* formText;
  Py_ssize_t formLength;
  if (PyBytes_AsStringAndSize(args[4], &formText, &formLength) < 0) return nullptr;
  EmbedState& st = embedState();
  auto chareIt = st.chareOfObject.find(chareObj);
  if (chareIt == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: allreduce() must be called by a chare on its own PE");
  charm::ChareBase* chare = chareIt->second;
  NumericInput input;
  if (!input.read(data, static_cast<charm::ReducerKind>(reducer),
                  std::string_view(formText, static_cast<std::size_t>(formLength))))
    return nullptr;

  // Register the future first: the contribution may complete the reduction (and
  // call deliverAllReduce) before it returns.
  const charm::CollectionId collection = chare->collectionId();
  const std::uint32_t number = charm::ChareInternals::nextReductionNumber(*chare);
  auto it = findAllReduce(st, collection, number);
  if (it == st.allreduces.end()) {
    PyRef list = PyRef::steal(PyList_New(0));
    if (!list) return nullptr;
    st.allreduces.push_back(PendingAllReduce{collection, number, static_cast<int>(reducer),
                                             PyRef::borrow(form), std::move(list)});
    it = st.allreduces.end() - 1;
  }
  if (PyList_Append(it->futures.get(), future) < 0) return nullptr;

  const auto callback = charm::Callback::toAllElements(collection, charm::kNoEntry, charm::kExternalFutureFlag);
  PyObject* r = guarded([&] {
    charm::ChareInternals::contributeNumeric(*chare, input.span(), callback);
    Py_RETURN_NONE;
  });
  if (!r) {  // refused: nothing was contributed, so forget the future again
    auto again = findAllReduce(st, collection, number);
    if (again != st.allreduces.end()) {
      PyObject* list = again->futures.get();
      PyObject *type, *value, *traceback;
      PyErr_Fetch(&type, &value, &traceback);
      PyList_SetSlice(list, PyList_GET_SIZE(list) - 1, PyList_GET_SIZE(list), nullptr);
      if (PyList_GET_SIZE(list) == 0) st.allreduces.erase(again);
      PyErr_Restore(type, value, traceback);
    }
  }
  return r;
}

// allreduce_marker(chare, form_text): the element's next contribution goes to an
// allreduce combined in Python at the root; this puts a marker in its place in
// the pairwise exchange (charm::ChareInternals::contributeAllReduceMarker), so that a
// mix of both kinds of data ends the job naming both instead of hanging. Raises
// ValueError when an element on this PE already contributed numbers to it.
PyObject* py_allreduce_marker(PyObject*, PyObject* args) {
  PyObject* chareObj;
  const char* form;
  Py_ssize_t formLength;
  if (!PyArg_ParseTuple(args, "Oy#", &chareObj, &form, &formLength)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: allreduce() must be called by a chare on its own PE");
  charm::ChareBase* chare = it->second;
  const auto callback =
      charm::Callback::toAllElements(chare->collectionId(), charm::kNoEntry, charm::kExternalFutureFlag);
  return guarded([&] {
    charm::ChareInternals::contributeAllReduceMarker(*chare, std::string_view(form, static_cast<std::size_t>(formLength)), callback);
    Py_RETURN_NONE;
  });
}

// The runtime's handler: allreduce `result` finished on this PE.
void deliverAllReduce(charm::AllReduceManager::Result& result) {
  EmbedState& st = embedState();
  auto it = findAllReduce(st, result.collection, result.number);
  // Nothing waits when the futures here were resolved already: elements that
  // contributed from this PE while away from home get the result both from
  // their home (forwarded) and from this PE's own part, whichever comes first.
  if (it == st.allreduces.end()) return;
  PendingAllReduce pending = std::move(*it);
  st.allreduces.erase(it);
  const bool scalar =
      result.value.shape == static_cast<std::uint8_t>(charm::ReductionValue::Shape::Scalar);
  PyRef raw;
  if (result.value.kind == charm::ReducerKind::Nop) {
    raw = PyRef::borrow(Py_None);
  } else if (scalar && result.size <= kCopiedResultBytes) {
    raw = PyRef::steal(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(result.data),
                                                 static_cast<Py_ssize_t>(result.size)));
  } else {
    // Several local elements share one read-only result; a single one gets it
    // writable, unless the transport is still sending from it (shared).
    PyRef owner;
    std::size_t offset;
    if (result.shared) {
      offset = static_cast<std::size_t>(result.data - result.shared->data());
      owner = wrapSharedMessage(std::move(result.shared));
    } else {
      offset = static_cast<std::size_t>(result.data - result.message.data());
      owner = wrapMessage(std::move(result.message), PyList_GET_SIZE(pending.futures.get()) > 1);
    }
    if (owner) raw = viewOf(owner.get(), offset, result.size);
  }
  if (!raw || !st.allreduceDone) abortWithPythonError("delivering an allreduce's result");
  PyRef reducer = PyRef::steal(PyLong_FromLong(pending.reducer));
  PyObject* hookArgs[] = {reducer.get(), pending.form.get(), raw.get(), pending.futures.get()};
  PyRef r = PyRef::steal(PyObject_Vectorcall(st.allreduceDone.get(), hookArgs, 4, nullptr));
  if (!r) handleUncaught("delivering an allreduce's result");
}

}  // namespace charmpy
