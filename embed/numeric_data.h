// NumericInput: Python data for a numeric reduction seen in place as a
// charm::NumericSpan: a bool, an int (as int64), a float (as double), None (no
// data: an empty reduction), or a C-contiguous buffer of numbers such as a NumPy
// array or an array.array, whose memory is read where it is, never copied here.
//
// A Python int under Sum travels as two int64 lanes, (x >> 32, x & 0xffffffff):
// each lane's sum stays far inside int64 (for fewer than 2**31 contributions),
// so reduction.py rebuilds the exact Python int high * 2**32 + low, however far
// the sum leaves int64. (Lists of ints are split the same way in reduction.py.)
#pragma once

#include <cstdint>
#include <string_view>

#include "py_ref.h"
#include "charm/reducer.h"

namespace charmpy {

// The ValueType of a buffer's struct format character (native, standard sizes).
bool valueTypeOfFormat(const char* format, Py_ssize_t itemsize, charm::ValueType& out);

class NumericInput {
 public:
  NumericInput() = default;
  ~NumericInput();
  NumericInput(const NumericInput&) = delete;
  NumericInput& operator=(const NumericInput&) = delete;

  // Reads `data` for reducer `kind`, of form `form` (reduction.py's words for
  // it, which must outlive this object; see charm::ReductionValue::form); false
  // with a Python exception set when it is not numbers. A buffer stays held (and
  // its memory valid) until destruction.
  bool read(PyObject* data, charm::ReducerKind kind, std::string_view form = {});
  const charm::NumericSpan& span() const { return span_; }

 private:
  charm::NumericSpan span_;
  Py_buffer view_{};
  bool hasView_ = false;
  alignas(8) unsigned char scalar_[16] = {};  // a scalar, or an int's two Sum lanes
};

}  // namespace charmpy
