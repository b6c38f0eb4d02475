// _charmpy.write_output / flush_output: what charmpy's sys.stdout and sys.stderr
// (charmpy/_output.py) write through, so that every PE's output reaches mpirun as
// whole lines (runtime/output_forwarder.h).
#include "module_support.h"

namespace charmpy {

namespace {
bool toStream(long number, charm::OutputStream& out) {
  if (number != 1 && number != 2) {
    fail(PyExc_ValueError, "_charmpy: output stream must be 1 (stdout) or 2 (stderr), got " + std::to_string(number));
    return false;
  }
  out = number == 1 ? charm::OutputStream::Stdout : charm::OutputStream::Stderr;
  return true;
}
}  // namespace

PyObject* py_write_output(PyObject*, PyObject* args) {
  long number = 0;
  Py_buffer data;
  if (!PyArg_ParseTuple(args, "ly*", &number, &data)) return nullptr;
  charm::OutputStream stream;
  if (!toStream(number, stream)) {
    PyBuffer_Release(&data);
    return nullptr;
  }
  rt().output().write(stream, std::string_view(static_cast<const char*>(data.buf), static_cast<std::size_t>(data.len)));
  const Py_ssize_t written = data.len;
  PyBuffer_Release(&data);
  return PyLong_FromSsize_t(written);
}

PyObject* py_flush_output(PyObject*, PyObject* number) {
  const long n = PyLong_AsLong(number);
  if (n == -1 && PyErr_Occurred()) return nullptr;
  charm::OutputStream stream;
  if (!toStream(n, stream)) return nullptr;
  rt().output().flush(stream);
  Py_RETURN_NONE;
}

}  // namespace charmpy
