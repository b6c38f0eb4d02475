// `_charmpy` side of Chare.allreduce for numbers and arrays: contributions go to
// the runtime's AllReduceManager (pairwise exchange between PEs, combined in C
// straight from the NumPy array's memory), and the result comes back once per PE
// here, where it is handed to the pending futures of this PE's elements with one
// call of the package's allreduce_done hook. Nothing goes through PE 0 or a
// Python-level broadcast; the result array views the received message.
#include <algorithm>
#include <cstring>

#include "future_slots.h"
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

// The allreduces of one Python number (or of nothing) that allreduce_scalar
// takes without Python code: per reducer and kind of data, the tag that
// allreduce_numeric gets from reduction.py for it ((form, False): over a whole
// collection) and the form's text. Strong references kept for the process.
struct ScalarForms {
  enum Kind { Float, Int, NoData, kKinds };
  static constexpr long kReducers = 16;
  PyObject* tag[kReducers][kKinds] = {};
  PyObject* text[kReducers][kKinds] = {};
  PyObject* thisProxy = nullptr;  // interned names
  PyObject* issec = nullptr;
};

ScalarForms& scalarForms() {
  static ScalarForms forms;
  return forms;
}

// getattr(o, name, None) (only AttributeError means "none"); false with a Python
// exception set on another error.
bool attributeOrNone(PyObject* o, PyObject* name, PyRef& out) {
  out = PyRef::steal(PyObject_GetAttr(o, name));
  if (out) return true;
  if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return false;
  PyErr_Clear();
  return true;
}

// The result of a scalar allreduce whose tag is one of ScalarForms's, as
// reduction.decode gives it; null without an exception when it is not one
// (the Python hook decodes it then).
PyRef decodeScalar(const PendingAllReduce& pending, const charm::AllReduceManager::Result& result) {
  const ScalarForms& forms = scalarForms();
  if (pending.reducer < 0 || pending.reducer >= ScalarForms::kReducers) return {};
  PyObject* const* tags = forms.tag[pending.reducer];
  const PyObject* tag = pending.form.get();
  using VT = charm::ValueType;
  const auto kind = static_cast<charm::ReducerKind>(pending.reducer);
  if (tag == tags[ScalarForms::NoData] && result.value.kind == charm::ReducerKind::Nop)
    return PyRef::borrow(Py_None);
  if (tag == tags[ScalarForms::Float] && result.value.type == VT::Double && result.size == sizeof(double)) {
    double v;
    std::memcpy(&v, result.data, sizeof v);
    return PyRef::steal(PyFloat_FromDouble(v));
  }
  if (tag != tags[ScalarForms::Int] || result.value.type != VT::Int64) return {};
  if (kind == charm::ReducerKind::Sum) {  // [count 2][high][low]: high * 2**32 + low
    if (result.size != 3 * sizeof(std::int64_t)) return {};
    std::int64_t lanes[2];
    std::memcpy(lanes, result.data + sizeof(std::int64_t), sizeof lanes);
    const __int128 v = static_cast<__int128>(lanes[0]) * (__int128{1} << 32) + lanes[1];
    if (v >= INT64_MIN && v <= INT64_MAX) return PyRef::steal(PyLong_FromLongLong(static_cast<long long>(v)));
    return PyRef::steal(_PyLong_FromByteArray(reinterpret_cast<const unsigned char*>(&v), sizeof v,
                                              /*little_endian=*/1, /*is_signed=*/1));
  }
  if (result.size != sizeof(std::int64_t)) return {};
  std::int64_t v;
  std::memcpy(&v, result.data, sizeof v);
  return PyRef::steal(PyLong_FromLongLong(v));
}

}  // namespace

namespace {

// Registers `future` for the element's next allreduce (whose result is decoded
// as `tag` says) and contributes `input` to it; null with a Python exception set
// (and nothing registered or contributed) when refused.
PyObject* contributeAllReduce(EmbedState& st, charm::ChareBase* chare, int reducer, const NumericInput& input,
                              PyObject* tag, PyObject* future) {
  // Register the future first: the contribution may complete the reduction (and
  // call deliverAllReduce) before it returns.
  const charm::CollectionId collection = chare->collectionId();
  const std::uint32_t number = charm::ChareInternals::nextReductionNumber(*chare);
  auto it = findAllReduce(st, collection, number);
  if (it == st.allreduces.end()) {
    PyRef list = PyRef::steal(PyList_New(0));
    if (!list) return nullptr;
    st.allreduces.push_back(PendingAllReduce{collection, number, reducer, PyRef::borrow(tag), std::move(list)});
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
  NumericInput input;
  if (!input.read(data, static_cast<charm::ReducerKind>(reducer),
                  std::string_view(formText, static_cast<std::size_t>(formLength))))
    return nullptr;
  return contributeAllReduce(st, chareIt->second, static_cast<int>(reducer), input, form, future);
}

// future_setup(future_class, live, futures_dict): what FutureSlots needs
// (futures.Future, futures._live, the futures module's globals).
PyObject* py_future_setup(PyObject*, PyObject* args) {
  PyObject *cls, *live, *module;
  if (!PyArg_ParseTuple(args, "OOO", &cls, &live, &module)) return nullptr;
  PyRef pe = PyRef::steal(PyLong_FromLong(rt().myPe()));
  if (!pe || !futureSlots().install(cls, live, pe.get(), module)) return nullptr;
  Py_RETURN_NONE;
}

// allreduce_fast_setup(forms): what allreduce_scalar needs: `forms`, a list of
// (reducer, kind, form, text) with kind 0 for a float, 1 for an int and 2 for
// no data (reducer NOP).
PyObject* py_allreduce_fast_setup(PyObject*, PyObject* args) {
  PyObject* list;
  if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &list)) return nullptr;
  ScalarForms& forms = scalarForms();
  if (!forms.thisProxy) {
    forms.thisProxy = PyUnicode_InternFromString("thisProxy");
    forms.issec = PyUnicode_InternFromString("issec");
    if (!forms.thisProxy || !forms.issec) return nullptr;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); ++i) {
    long reducer, kind;
    PyObject *form, *text;
    if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "llOS", &reducer, &kind, &form, &text)) return nullptr;
    if (reducer < 0 || reducer >= ScalarForms::kReducers || kind < 0 || kind >= ScalarForms::kKinds)
      return fail(PyExc_ValueError, "allreduce_fast_setup: reducer or kind out of range");
    PyObject* tag = Py_BuildValue("(OO)", form, Py_False);
    if (!tag) return nullptr;
    Py_XDECREF(forms.tag[reducer][kind]);  // setup again (never in a running program)
    Py_XDECREF(forms.text[reducer][kind]);
    Py_INCREF(text);
    forms.tag[reducer][kind] = tag;
    forms.text[reducer][kind] = text;
  }
  Py_RETURN_NONE;
}

// allreduce_scalar(chare, data, reducer): Chare.allreduce(data, reducer) over the
// whole collection, for a float or int `data` under a reducer that C combines
// them with (or no data and no reducer), without Python code: the future it
// returns is the one the Python path makes, contributed the same way
// (allreduce_numeric with reduction.numeric_form's form). None when it does not
// take this call (other data or reducer, a chare whose thisProxy is a section,
// not a chare of this PE): then the Python path runs, and raises what it raises.
PyObject* py_allreduce_scalar(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3) return fail(PyExc_TypeError, "allreduce_scalar takes 3 arguments");
  return allreduceScalar(args[0], args[1], args[2]);
}

PyObject* allreduceScalar(PyObject* chareObj, PyObject* data, PyObject* reducerObj) {
  const ScalarForms& forms = scalarForms();
  if (!futureSlots().ready()) Py_RETURN_NONE;
  long reducer;
  ScalarForms::Kind kind;
  if (reducerObj == Py_None) {
    if (data != Py_None) Py_RETURN_NONE;
    reducer = static_cast<long>(charm::ReducerKind::Nop);
    kind = ScalarForms::NoData;
  } else {
    if (!PyLong_CheckExact(reducerObj)) Py_RETURN_NONE;  // bools and other objects: Python's checks
    int overflow = 0;
    reducer = PyLong_AsLongAndOverflow(reducerObj, &overflow);
    if (overflow || reducer < 0 || reducer >= ScalarForms::kReducers) Py_RETURN_NONE;
    if (PyFloat_CheckExact(data)) {
      kind = ScalarForms::Float;
    } else if (PyLong_CheckExact(data)) {
      (void)PyLong_AsLongLongAndOverflow(data, &overflow);
      if (overflow) Py_RETURN_NONE;  // past 64 bits: Python raises OverflowError
      kind = ScalarForms::Int;
    } else {
      Py_RETURN_NONE;
    }
  }
  PyObject* tag = forms.tag[reducer][kind];
  if (!tag) Py_RETURN_NONE;
  EmbedState& st = embedState();
  auto chareIt = st.chareOfObject.find(chareObj);
  if (chareIt == st.chareOfObject.end()) Py_RETURN_NONE;
  // Chare._charmpy_section_typed(0): a group made with onPEs has a section as
  // thisProxy, and its results take section types (the Python path's). Only the
  // first contribution on this PE decides it (its tag is the one kept): later
  // ones need not ask.
  charm::ChareBase* chare = chareIt->second;
  const bool first = findAllReduce(st, chare->collectionId(), charm::ChareInternals::nextReductionNumber(*chare)) ==
                     st.allreduces.end();
  PyRef proxy, issec;
  if (first && !attributeOrNone(chareObj, forms.thisProxy, proxy)) return nullptr;
  if (proxy && proxy.get() != Py_None) {
    if (!attributeOrNone(proxy.get(), forms.issec, issec)) return nullptr;
    if (issec) {
      const int typed = PyObject_IsTrue(issec.get());
      if (typed < 0) return nullptr;
      if (typed) Py_RETURN_NONE;
    }
  }
  char* formText;
  Py_ssize_t formLength;
  if (PyBytes_AsStringAndSize(forms.text[reducer][kind], &formText, &formLength) < 0) return nullptr;
  NumericInput input;
  if (!input.read(data, static_cast<charm::ReducerKind>(reducer),
                  std::string_view(formText, static_cast<std::size_t>(formLength))))
    return nullptr;
  PyRef future = PyRef::steal(futureSlots().make());
  if (!future) return nullptr;
  PyRef r = PyRef::steal(contributeAllReduce(st, chare, static_cast<int>(reducer), input, tag, future.get()));
  if (!r) {
    futureSlots().forget(future.get());  // refused: nothing will ever set it
    return nullptr;
  }
  return future.release();
}

// future_wait(future): Future.get()'s wait in C (FutureSlots::wait): True once
// the future is done, False when not taken (then futures._suspend_until runs).
PyObject* py_future_wait(PyObject*, PyObject* future) {
  const int r = futureSlots().wait(future);
  if (r < 0) return nullptr;
  return PyBool_FromLong(r);
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
  if (PyRef value = decodeScalar(pending, result)) {
    // reduction.allreduce_done's work for a number, without Python calls for
    // the futures the C path resolves (Future._deliver for the others).
    PyObject* futures = pending.futures.get();
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(futures); ++i) {
      PyObject* f = PyList_GET_ITEM(futures, i);
      const int done = futureSlots().deliver(f, value.get());
      if (done == 0) {
        static PyObject* name = PyUnicode_InternFromString("_deliver");
        PyObject* callArgs[] = {f, value.get(), Py_False};
        PyRef r = PyRef::steal(PyObject_VectorcallMethod(name, callArgs, 3, nullptr));
        if (r) continue;
      }
      if (done != 1) {
        handleUncaught("delivering an allreduce's result");
        return;
      }
    }
    return;
  }
  if (PyErr_Occurred()) abortWithPythonError("delivering an allreduce's result");
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
