// NumericInput: Python data for a numeric reduction seen in place as a
// charm::NumericSpan: a bool, an int (as int64), a float (as double), None (no
// data: an empty reduction), or a C-contiguous buffer of numbers such as a NumPy
// array, whose memory is read where it is, never copied here.
#pragma once

#include <cstdint>

#include "py_ref.h"
#include "runtime/reducer.h"

namespace charmpy {

// The ValueType of a buffer's struct format character (native, standard sizes).
bool valueTypeOfFormat(const char* format, Py_ssize_t itemsize, charm::ValueType& out);

class NumericInput {
 public:
  NumericInput() = default;
  ~NumericInput();
  NumericInput(const NumericInput&) = delete;
  NumericInput& operator=(const NumericInput&) = delete;

  // Reads `data` for reducer `kind`; false with a Python exception set when it
  // is not numbers. A buffer stays held (and its memory valid) until destruction.
  bool read(PyObject* data, charm::ReducerKind kind);
  const charm::NumericSpan& span() const { return span_; }

 private:
  charm::NumericSpan span_;
  Py_buffer view_{};
  bool hasView_ = false;
  alignas(8) unsigned char scalar_[8] = {};
};

}  // namespace charmpy
