#include "numeric_data.h"

#include <cstring>

namespace charmpy {

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

NumericInput::~NumericInput() {
  if (hasView_) PyBuffer_Release(&view_);
}

bool NumericInput::read(PyObject* data, charm::ReducerKind kind, std::string_view form) {
  using VT = charm::ValueType;
  constexpr auto kScalar = static_cast<std::uint8_t>(charm::ReductionValue::Shape::Scalar);
  constexpr auto kVector = static_cast<std::uint8_t>(charm::ReductionValue::Shape::Vector);
  span_ = charm::NumericSpan{};
  span_.kind = kind;
  span_.form = form;
  if (kind == charm::ReducerKind::Nop) {
    if (data == Py_None) return true;
    PyErr_SetString(PyExc_TypeError, "charmpy: an empty reduction takes no data");
    return false;
  }
  auto scalar = [&](VT type, const void* value, std::size_t bytes) {
    std::memcpy(scalar_, value, bytes);
    span_.type = type;
    span_.shape = kScalar;
    span_.length = 1;
    span_.data = scalar_;
    return true;
  };
  if (PyBool_Check(data)) {
    const std::uint8_t v = data == Py_True ? 1 : 0;
    return scalar(VT::Bool, &v, sizeof v);
  }
  if (PyLong_Check(data)) {
    const long long v = PyLong_AsLongLong(data);
    if (v == -1 && PyErr_Occurred()) return false;
    const std::int64_t v64 = v;
    if (kind == charm::ReducerKind::Sum) {  // two lanes (see numeric_data.h)
      const std::int64_t lanes[2] = {v64 >> 32, v64 & 0xffffffff};
      std::memcpy(scalar_, lanes, sizeof lanes);
      span_.type = VT::Int64;
      span_.shape = kVector;
      span_.length = 2;
      span_.data = scalar_;
      return true;
    }
    return scalar(VT::Int64, &v64, sizeof v64);
  }
  if (PyFloat_Check(data)) {
    const double v = PyFloat_AS_DOUBLE(data);
    return scalar(VT::Double, &v, sizeof v);
  }
  if (PyObject_GetBuffer(data, &view_, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return false;
  hasView_ = true;
  VT type;
  if (view_.itemsize <= 0 || !valueTypeOfFormat(view_.format, view_.itemsize, type)) {
    PyErr_SetString(PyExc_TypeError, "charmpy: numeric reductions take numbers or arrays of numbers");
    return false;
  }
  span_.type = type;
  span_.shape = kVector;
  span_.length = static_cast<std::uint64_t>(view_.len / view_.itemsize);
  span_.data = view_.buf;
  return true;
}

}  // namespace charmpy
