// `_charmpy` functions for reductions: numbers and arrays combined in C along the
// tree (with a tag saying what the result becomes), other data gathered to PE 0.
#include <cstring>
#include <string>

#include "message_object.h"
#include "module_support.h"
#include "numeric_data.h"
#include "runtime/chare_internals.h"
#include "runtime/collection.h"
#include "runtime/registry.h"
#include "runtime/section_table.h"

namespace charmpy {

namespace {

// Where a Python reduction's result is handed to the package: the root of the
// section, or PE 0 for a whole collection.
charm::Callback resultCallback(unsigned long long section, FutureFormat format) {
  int root = 0;
  if (section != 0) {
    const charm::SectionInfo* info = rt().sections().find(section);
    if (!info) throw std::logic_error("charmpy: contribute() to a section this PE was never told about");
    root = info->root();
  }
  return charm::Callback::toFuture(charm::FutureRef{root, 0},
                                   charm::kExternalFutureFlag | static_cast<std::uint8_t>(format));
}

}  // namespace

// Python reductions: each element's (reducer, data, target) is pickled and
// gathered over the runtime's reduction tree to PE 0, where the package's
// reduction_done hook combines the contributions (in element order) and delivers
// the result. The runtime's numbering keeps several reductions in flight apart.
// With `section` (a section id known on this PE), the reduction is over that
// section, ordered by section position, and ends on the section's root. `form`
// (bytes) names the data in error messages, should a numeric contribution (a
// different kind of value) meet this one.
PyObject* py_contribute(PyObject*, PyObject* args) {
  PyObject *chareObj, *item;
  unsigned long long section = 0;
  const char* form = nullptr;
  Py_ssize_t formLength = 0;
  if (!PyArg_ParseTuple(args, "OO|Ky#", &chareObj, &item, &section, &form, &formLength)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  PyRef pickled = st.codec.dumpsInBand(item);
  if (!pickled) return nullptr;
  std::string bytes(PyBytes_AS_STRING(pickled.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(pickled.get())));
  return guarded([&] {
    const charm::Callback callback = resultCallback(section, FutureFormat::Reduction);
    charm::ReductionValue value = charm::ReductionValue::gather(charm::ChareInternals::sectionGatherKey(*it->second, section), bytes);
    if (formLength > 0) value.setForm(std::string(form, static_cast<std::size_t>(formLength)));
    charm::ChareInternals::contributeReduction(*it->second, std::move(value), callback, section);
    Py_RETURN_NONE;
  });
}

// Numeric reductions combined in C along the tree: `data` is an int, float or bool,
// or a C-contiguous buffer of numbers (a NumPy array, an array.array); `tag`
// (bytes) travels to the root, where numeric_reduction_done(tag, result_view)
// gets the combined bytes; `form` (bytes, reduction.py's description of the
// data) must be the same for every contribution (charm::ReductionValue::form).
PyObject* py_contribute_numeric(PyObject*, PyObject* args) {
  PyObject *chareObj, *data;
  int reducer;
  const char *tag, *form;
  Py_ssize_t tagLength, formLength;
  unsigned long long section = 0;
  if (!PyArg_ParseTuple(args, "OiOy#y#|K", &chareObj, &reducer, &data, &tag, &tagLength, &form, &formLength,
                        &section))
    return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  const auto kind = static_cast<charm::ReducerKind>(reducer);
  return guarded([&]() -> PyObject* {
    NumericInput input;
    if (!input.read(data, kind, std::string_view(form, static_cast<std::size_t>(formLength)))) return nullptr;
    const charm::NumericSpan& in = input.span();
    charm::ReductionValue value = charm::ReductionValue::numericRaw(
        kind, in.type, in.shape != static_cast<std::uint8_t>(charm::ReductionValue::Shape::Scalar),
        in.length, in.data);
    value.setTag(std::string(tag, static_cast<std::size_t>(tagLength)));
    value.setForm(std::string(in.form));
    charm::ChareInternals::contributeReduction(*it->second, std::move(value), resultCallback(section, FutureFormat::NumericReduction),
                                    section);
    Py_RETURN_NONE;
  });
}

}  // namespace charmpy
