// `_charmpy` functions for reductions: numbers and arrays combined in C along the
// tree (with a tag saying what the result becomes), other data gathered to PE 0.
#include <cstring>
#include <string>

#include "message_object.h"
#include "module_support.h"
#include "numeric_data.h"
#include "runtime/collection.h"
#include "runtime/registry.h"

namespace charmpy {

// Python reductions: each element's (reducer, data, target) is pickled and
// gathered over the runtime's reduction tree to PE 0, where the package's
// reduction_done hook combines the contributions (in element order) and delivers
// the result. The runtime's numbering keeps several reductions in flight apart.
PyObject* py_contribute(PyObject*, PyObject* args) {
  PyObject *chareObj, *item;
  if (!PyArg_ParseTuple(args, "OO", &chareObj, &item)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  PyRef pickled = st.codec.dumpsInBand(item);
  if (!pickled) return nullptr;
  std::string bytes(PyBytes_AS_STRING(pickled.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(pickled.get())));
  const std::uint8_t format = charm::kExternalFutureFlag | static_cast<std::uint8_t>(FutureFormat::Reduction);
  return guarded([&] {
    it->second->contribute(bytes, charm::reducer::gather, charm::Callback::toFuture(charm::FutureRef{0, 0}, format));
    Py_RETURN_NONE;
  });
}

// Numeric reductions combined in C along the tree: `data` is an int, float or bool,
// or a C-contiguous buffer of numbers (a NumPy array); `tag` (bytes) travels to
// the root, where numeric_reduction_done(tag, result_view) gets the combined bytes.
PyObject* py_contribute_numeric(PyObject*, PyObject* args) {
  PyObject *chareObj, *data;
  int reducer;
  const char* tag;
  Py_ssize_t tagLength;
  if (!PyArg_ParseTuple(args, "OiOy#", &chareObj, &reducer, &data, &tag, &tagLength)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  const auto kind = static_cast<charm::ReducerKind>(reducer);
  return guarded([&]() -> PyObject* {
    NumericInput input;
    if (!input.read(data, kind)) return nullptr;
    const charm::NumericSpan& in = input.span();
    charm::ReductionValue value = charm::ReductionValue::numericRaw(
        kind, in.type, in.shape != static_cast<std::uint8_t>(charm::ReductionValue::Shape::Scalar),
        in.length, in.data);
    value.setTag(std::string(tag, static_cast<std::size_t>(tagLength)));
    const std::uint8_t format =
        charm::kExternalFutureFlag | static_cast<std::uint8_t>(FutureFormat::NumericReduction);
    it->second->contributeReduction(std::move(value), charm::Callback::toFuture(charm::FutureRef{0, 0}, format));
    Py_RETURN_NONE;
  });
}

}  // namespace charmpy
