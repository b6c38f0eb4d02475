// Fuzz tests of the embedded Python layer's decoders of bytes from other PEs:
// FastCodec (call arguments and future values of plain types and NumPy arrays)
// and PickleCodec (pickle framing with out-of-band buffers: call arguments,
// future values, migrated chare state). Runs an embedded CPython with NumPy and
// the charmpy package, like charmpy-run. Seeds come from the codecs' own pack();
// tests/fuzz/fuzz_inputs.h makes the truncated, bit-flipped, overwritten and
// random inputs. Each must decode or set a Python exception, never crash, read
// outside the input (ASan) or allocate from a corrupt count.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <Python.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "embed/fast_codec.h"
#include "embed/message_object.h"
#include "embed/pickle_codec.h"
#include "fuzz_inputs.h"

namespace {

using charm::fuzz::Bytes;
using charmpy::PyRef;

PyRef eval(const char* expression) {
  PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));
  PyRef r = PyRef::steal(PyRun_String(expression, Py_eval_input, globals, globals));
  if (!r) PyErr_Print();
  REQUIRE(r);
  return r;
}

Bytes payloadBytes(const charm::MessageBuffer& m) {
  return Bytes(charm::payloadOf(m), charm::payloadOf(m) + charm::payloadSizeOf(m));
}

// Mutations of PickleCodec payloads that leave the pickle stream itself intact
// (or cut): its framing fields (pickle length, buffer count, each buffer's
// length), the out-of-band buffers' bytes, whole buffers dropped or repeated,
// truncations. The stream is CPython's to decode, and CPython's unpickler is not
// made for untrusted bytes: e.g. a 12-byte pickle with a LONG_BINPUT of memo index
// 2**30 makes it allocate 16 GiB. So pickle payloads are safe only from peers
// running the same program, like everything pickled; their framing is checked.
class PickleFramingMutator {
 public:
  explicit PickleFramingMutator(std::uint64_t seed) : rng_(seed) {}

  Bytes next(const std::vector<Bytes>& seeds, std::uint64_t i) {
    Bytes b = seeds[pick(seeds.size())];
    // Framing fields: [u64 pickle length][u32 count][u32 reserved], then per buffer
    // [u64 length][u64 reserved] before its bytes.
    std::vector<std::size_t> fields = {0, 8};
    std::vector<std::pair<std::size_t, std::size_t>> buffers;  // header offset, bytes
    std::uint64_t pickleLength = 0;
    std::uint32_t count = 0;
    std::memcpy(&pickleLength, b.data(), 8);
    std::memcpy(&count, b.data() + 8, 4);
    std::size_t at = 16 + align16(pickleLength);
    for (std::uint32_t k = 0; k < count; ++k) {
      std::uint64_t length = 0;
      std::memcpy(&length, b.data() + at, 8);
      fields.push_back(at);
      buffers.emplace_back(at, length);
      at += 16 + align16(length);
    }
    switch (i % 6) {
      case 0:
      case 1: {  // a framing field: boundary, huge or negative values, or a bit flip
        const std::size_t field = fields[pick(fields.size())];
        const std::size_t width = field == 8 ? 4 : 8;
        std::uint64_t v = 0;
        std::memcpy(&v, b.data() + field, width);
        const std::uint64_t interesting[] = {0, 1, 15, 16, 17, v - 1, v + 1, v + 16, b.size(), 0x7fffffff,
                                             0xffffffff, ~std::uint64_t{0}, std::uint64_t{1} << 63, v * 2};
        v = i % 6 == 0 ? interesting[pick(std::size(interesting))] : v ^ (std::uint64_t{1} << pick(width * 8));
        std::memcpy(b.data() + field, &v, width);
        break;
      }
      case 2:  // the out-of-band bytes
        for (const auto& [header, length] : buffers)
          for (std::size_t k = 0; k < 4 && length > 0; ++k)
            b[header + 16 + pick(length)] = static_cast<std::byte>(rng_());
        break;
      case 3:  // a buffer dropped or repeated (the count left as it was)
        if (!buffers.empty()) {
          const auto [header, length] = buffers[pick(buffers.size())];
          const std::size_t span = std::min(b.size() - header, 16 + align16(length));
          Bytes piece(b.begin() + static_cast<std::ptrdiff_t>(header),
                      b.begin() + static_cast<std::ptrdiff_t>(header + span));
          if (pick(2) == 0)
            b.erase(b.begin() + static_cast<std::ptrdiff_t>(header),
                    b.begin() + static_cast<std::ptrdiff_t>(header + span));
          else
            b.insert(b.begin() + static_cast<std::ptrdiff_t>(header), piece.begin(), piece.end());
        }
        break;
      case 4:  // cut anywhere, possibly inside the stream
        b.resize(pick(b.size() + 1));
        break;
      case 5:  // bytes appended or the padding changed
        if (pick(2) == 0) {
          b.resize(b.size() + 1 + pick(40), std::byte{0x2e});
        } else {
          const std::size_t pad = 16 + static_cast<std::size_t>(pickleLength);
          if (pad < b.size() && pad % 16 != 0) b[pad] = static_cast<std::byte>(rng_());
        }
        break;
    }
    return b;
  }

 private:
  static std::size_t align16(std::uint64_t n) { return static_cast<std::size_t>((n + 15) & ~std::uint64_t{15}); }
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }
  std::mt19937_64 rng_;
};

// Decodes with `unpack(payload, size, owner, ownerBase)` as the receiving PE does:
// in place without an owner when no array or buffer views the message, else from
// a _charmpy.Message holding a copy. A null result must come with a Python
// exception (a rejection); anything else is a decoded value.
template <class Make, class Unpack, class NeedsOwner>
void fuzzCodec(const char* name, const std::vector<Bytes>& seeds, std::uint64_t randomInputs, Make&& make,
               NeedsOwner&& needsOwner, Unpack&& unpack) {
  std::uint64_t errors = 0;
  const std::uint64_t n = charm::fuzz::fuzzWith(name, seeds, randomInputs, make, [&](const std::byte* d, std::size_t size) {
    PyRef value;
    if (!needsOwner(d, size)) {
      value = unpack(d, size, nullptr, nullptr);
    } else {
      charm::MessageBuffer copy = charm::MessageBuffer::allocate(size);
      if (size) std::memcpy(copy.data(), d, size);
      const std::byte* base = copy.data();
      PyRef owner = charmpy::wrapMessage(std::move(copy));
      REQUIRE(owner);
      value = unpack(base, size, owner.get(), base);
    }
    if (!value) {
      REQUIRE(PyErr_Occurred());
      PyErr_Clear();
      ++errors;
    } else {
      REQUIRE(!PyErr_Occurred());
    }
  });
  std::printf("fuzz %s: %llu of them rejected with an error\n", name, static_cast<unsigned long long>(errors));
  CHECK(errors > 0);
  CHECK(errors < n);
}

TEST_CASE("fuzz: FastCodec payloads (call arguments, future values)", "[fuzz]") {
  charmpy::FastCodec codec;
  const char* tuples[] = {
      "(1, 2.5, None, True, False, 'text', b'bytes')",
      "(-(2**63), 'ünïcödé', b'', '')",
      "(numpy.arange(10, dtype=numpy.int64), numpy.zeros((3, 4), dtype=numpy.float32))",
      "(numpy.ones(1000), 7)",  // 8000 bytes: viewed in the message (hasArrays)
      "(numpy.array([[1, 2], [3, 4]], dtype='>i2'), numpy.array([True, False]), numpy.empty((0,)))",
      // made in C on receipt (numpy_arrays.cc): 0-d, complex, 2-d, and a non-numeric dtype
      "(numpy.array(2.5), numpy.arange(4, dtype=numpy.complex64), numpy.ones((3, 1), dtype=numpy.uint8), "
      "numpy.array(['ab', 'c']))",
      "()",
  };
  std::vector<Bytes> seeds;
  for (const char* t : tuples) {
    PyRef items = eval(t);
    charm::MessageBuffer m = codec.pack(items.get(), charm::MessageKind::EntryCall);
    REQUIRE(m);
    seeds.push_back(payloadBytes(m));
  }
  charm::fuzz::Mutator mutator(21);
  fuzzCodec("fast codec", seeds, 200000, [&](std::uint64_t i) { return mutator.next(seeds, i); },
            &charmpy::FastCodec::hasArrays,
            [&](const std::byte* d, std::size_t n, PyObject* owner, const std::byte* base) {
              return codec.unpack(d, n, owner, base);
            });
}

TEST_CASE("fuzz: PickleCodec payloads (pickle framing, out-of-band buffers)", "[fuzz]") {
  charmpy::PickleCodec codec;
  REQUIRE(codec.init());
  auto needsOwner = [](const std::byte* d, std::size_t n) { return charmpy::PickleCodec::bufferCount(d, n) != 0; };
  auto unpack = [&](const std::byte* d, std::size_t n, PyObject* owner, const std::byte* base) {
    return codec.unpack(d, n, owner, base);
  };
  auto seedsOf = [&](std::initializer_list<const char*> objects) {
    std::vector<Bytes> seeds;
    for (const char* o : objects) {
      PyRef obj = eval(o);
      charm::MessageBuffer m = codec.pack(obj.get(), charm::MessageKind::EntryCall);
      if (!m) PyErr_Print();
      REQUIRE(m);
      seeds.push_back(payloadBytes(m));
    }
    return seeds;
  };
  // Call arguments and future values: ((args), {kwargs}) pairs and plain values.
  const auto calls = seedsOf({
      "((1, 'a', [1.5, None]), {'key': {'nested': (1, 2)}})",
      "((numpy.arange(300, dtype=numpy.float64),), None)",
      "((bytes(2000), bytearray(b'x' * 1500)), {'m': memoryview(b'y' * 1200)})",
      "((array.array('i', range(400)), numpy.zeros((2, 3))), None)",
      "(ValueError('failed'), 'Traceback (most recent call last): ...', 'ValueError')",
      "None",
  });
  PickleFramingMutator callMutator(22);
  fuzzCodec("pickle codec framing (calls, future values)", calls, 150000,
            [&](std::uint64_t i) { return callMutator.next(calls, i); }, needsOwner, unpack);
  // Migration: a chare's state, its arrays out of band.
  const auto states = seedsOf({
      "{'counter': 3, 'data': numpy.linspace(0, 1, 600), 'name': 'worker', 'history': [1, 2, 3]}",
      "{'grid': numpy.ones((20, 20), dtype=numpy.int32), 'blob': bytes(1024)}",
      "{}",
  });
  PickleFramingMutator stateMutator(23);
  fuzzCodec("pickle codec framing (migration state)", states, 50000,
            [&](std::uint64_t i) { return stateMutator.next(states, i); }, needsOwner, unpack);
}

}  // namespace

int main(int argc, char** argv) {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  PyConfig_SetBytesString(&config, &config.program_name, CHARMPY_PYTHON_EXECUTABLE);
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  // charmpy._pickling from the source tree, without running charmpy/__init__.py
  // (which needs the _charmpy module of charmpy-run): a bare package stands in.
  PyObject* mainDict = PyModule_GetDict(PyImport_AddModule("__main__"));
  PyRef imported = PyRef::steal(PyRun_String(
      "import sys, types, warnings, numpy, array\n"
      "warnings.simplefilter('ignore')  # e.g. NumPy deprecations of dtype strings made by mutation\n"
      "_package = types.ModuleType('charmpy')\n"
      "_package.__path__ = ['" CHARMPY_SOURCE_PACKAGE_DIR "/charmpy']\n"
      "sys.modules['charmpy'] = _package\n",
      Py_file_input, mainDict, mainDict));
  PyRef module = PyRef::steal(PyModule_New("_charmpy_fuzz"));
  if (!imported || !module || !charmpy::initMessageType(module.get())) {
    PyErr_Print();
    return 2;
  }
  const int failed = Catch::Session().run(argc, argv);
  imported = PyRef();
  module = PyRef();
  return failed;
}
