// `_charmpy` functions for reductions: numbers and arrays combined in C along the
// tree (with a tag saying what the result becomes), other data gathered to PE 0.
#include <cstring>
#include <string>

#include "message_object.h"
#include "module_support.h"
#include "runtime/collection.h"
#include "runtime/registry.h"
#include "runtime/section_table.h"

namespace charmpy {

namespace {
// The ValueType of a buffer's struct format character (native, standard sizes).
bool valueTypeOfFormat(const char* format, Py_ssize_t itemsize, charm::ValueType& out) {
  if (!format) format = "B";
  if (*format == '@' || *format == '=' || *format == '<') ++format;  // native little-endian here
  const char c = *format;
  if (!c || format[1]) return false;
  using VT = charm::ValueType;
  const bool isSigned = c == 'b' || c == 'h' || c == 'i' || c == 'l' || c == 'q' || c == 'n';
  const bool isUnsigned = c == 'B' || c == 'H' || c == 'I' || c == 'L' || c == 'Q' || c == 'N';
  if (c == '?') out = VT::Bool;
  else if (c == 'f' && itemsize == 4) out = VT::Float;
  else if (c == 'd' && itemsize == 8) out = VT::Double;
  else if (isSigned || isUnsigned) {
    switch (itemsize) {
      case 1: out = isSigned ? VT::Int8 : VT::UInt8; break;
      case 2: out = isSigned ? VT::Int16 : VT::UInt16; break;
      case 4: out = isSigned ? VT::Int32 : VT::UInt32; break;
      case 8: out = isSigned ? VT::Int64 : VT::UInt64; break;
      default: return false;
    }
  } else {
    return false;
  }
  return true;
}

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
// section, ordered by section position, and ends on the section's root.
PyObject* py_contribute(PyObject*, PyObject* args) {
  PyObject *chareObj, *item;
  unsigned long long section = 0;
  if (!PyArg_ParseTuple(args, "OO|K", &chareObj, &item, &section)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  PyRef pickled = st.codec.dumpsInBand(item);
  if (!pickled) return nullptr;
  std::string bytes(PyBytes_AS_STRING(pickled.get()), static_cast<std::size_t>(PyBytes_GET_SIZE(pickled.get())));
  return guarded([&] {
    const charm::Callback callback = resultCallback(section, FutureFormat::Reduction);
    if (section != 0)
      it->second->contribute(bytes, charm::reducer::gather, callback, section);
    else
      it->second->contribute(bytes, charm::reducer::gather, callback);
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
  unsigned long long section = 0;
  if (!PyArg_ParseTuple(args, "OiOy#|K", &chareObj, &reducer, &data, &tag, &tagLength, &section)) return nullptr;
  EmbedState& st = embedState();
  auto it = st.chareOfObject.find(chareObj);
  if (it == st.chareOfObject.end())
    return fail(PyExc_RuntimeError, "charmpy: contribute() must be called by a chare on its own PE");
  const auto kind = static_cast<charm::ReducerKind>(reducer);
  return guarded([&]() -> PyObject* {
    charm::ReductionValue value;
    if (PyBool_Check(data)) {
      value = charm::ReductionValue::numeric(kind, data == Py_True);
    } else if (PyLong_Check(data)) {
      const long long v = PyLong_AsLongLong(data);
      if (v == -1 && PyErr_Occurred()) return nullptr;
      value = charm::ReductionValue::numeric(kind, static_cast<std::int64_t>(v));
    } else if (PyFloat_Check(data)) {
      value = charm::ReductionValue::numeric(kind, PyFloat_AS_DOUBLE(data));
    } else {
      Py_buffer view;
      if (PyObject_GetBuffer(data, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return nullptr;
      charm::ValueType type;
      const bool ok = valueTypeOfFormat(view.format, view.itemsize, type);
      const std::uint64_t count = ok ? static_cast<std::uint64_t>(view.len / view.itemsize) : 0;
      if (ok) value = charm::ReductionValue::numericRaw(kind, type, true, count, view.buf);
      PyBuffer_Release(&view);
      if (!ok) return fail(PyExc_TypeError, "charmpy: numeric reductions take numbers or arrays of numbers");
    }
    value.setTag(std::string(tag, static_cast<std::size_t>(tagLength)));
    it->second->contributeReduction(std::move(value), resultCallback(section, FutureFormat::NumericReduction),
                                    section);
    Py_RETURN_NONE;
  });
}

}  // namespace charmpy
