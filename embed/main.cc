// charmpy-run: runs a Python program on every PE.
//
//   mpirun -n N charmpy-run [+runtime-flags] app.py [args...]
//
// Starts MPI and the runtime, then embeds Debian's CPython 3.11 with the
// built-in `_charmpy` module, sets sys.argv as `python3 app.py args` would (minus
// the runtime's +flags), sys.path[0] to the script's folder and the charmpy
// package on the path, and runs the script as __main__. The script's
// charm.start() runs the scheduler until the program exits.
#include <malloc.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "comm/mpi_transport.h"
#include "module.h"
#include "runtime/cpu_affinity.h"
#include "python_chare.h"
#include "runtime/runtime.h"

namespace {

namespace fs = std::filesystem;

// Where the charmpy package is: next to an installed charmpy-run
// (<prefix>/lib/charmpy/python), else in the source tree it was built from.
std::string packageDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* lib : {"lib", "lib64", "lib/x86_64-linux-gnu"}) {
      const fs::path installed = exe.parent_path().parent_path() / lib / "charmpy" / "python";
      if (fs::exists(installed / "charmpy" / "__init__.py")) return installed.string();
    }
  }
  return CHARMPY_SOURCE_PACKAGE_DIR;
}

std::wstring widen(const std::string& s) {
  wchar_t* w = Py_DecodeLocale(s.c_str(), nullptr);
  std::wstring out = w ? w : L"";
  PyMem_RawFree(w);
  return out;
}

// Flushes Python's and C's standard streams, so the last words of a PE are seen.
void flushAll() {
  if (Py_IsInitialized()) {
    PyObject* r = PyRun_String("import sys\nfor s in (sys.stdout, sys.stderr):\n    s and s.flush()\n",
                               Py_file_input, PyModule_GetDict(PyImport_AddModule("__main__")),
                               PyModule_GetDict(PyImport_AddModule("__main__")));
    Py_XDECREF(r);
    PyErr_Clear();
  }
  std::fflush(nullptr);
}

int usage() {
  std::fprintf(stderr,
               "usage: mpirun -n N charmpy-run [+runtime-flags] program.py [args...]\n"
               "runtime flags: +balancer NAME, +LBPeriod s, +LBOff, +LBDebug [N], +LBCommOff, +LBObjOnly,\n"
               "  +LBNoBackground, +LBNoMigrationCostCheck, +LBPrintSummary, +setcpuaffinity,\n"
               "  ++quiet, +deadlockTimeout S (and Charm++'s other LB flags)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Large temporaries (NumPy results, reduction buffers) come and go every
  // iteration: keep them in the heap instead of mmap/munmap each time, which costs a
  // page fault per 4 KiB on every reuse.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  charm::comm::MpiTransport transport(&argc, &argv);
  charmpy::EmbedState state;
  state.transport = &transport;
  const auto hosts = transport.hostLayout();
  state.myHost = hosts.myHost;
  state.hostOfPe = hosts.hostOfPe;
  state.pesOnHost = hosts.pesOnHost;

  const std::vector<std::string> rawArgs(argv + 1, argv + argc);
  const std::vector<std::string> args = state.flags.consume(rawArgs, transport.rank() == 0);
  if (state.flags.has("setcpuaffinity")) {
    const std::string how = charm::bindToCore(hosts, transport.rank());
    if (!state.flags.has("quiet") && transport.rank() == 0)
      std::printf("charmpy: PE 0 %s\n", how.c_str());
  }
  if (args.empty()) {
    if (transport.rank() == 0) usage();
    transport.shutdown();
    return 2;
  }
  const std::string script = args[0];
  std::FILE* file = std::fopen(script.c_str(), "r");
  if (!file) {
    if (transport.rank() == 0) std::fprintf(stderr, "charmpy-run: cannot open %s\n", script.c_str());
    transport.shutdown();
    return 2;
  }

  // Python code on fibers recurses through C frames (pickling, calls from C):
  // give coroutines the stack a main thread would have.
  charm::Runtime runtime(transport, std::size_t{8} << 20);
  state.runtime = &runtime;
  charmpy::setEmbedState(&state);

  PyImport_AppendInittab("_charmpy", &PyInit__charmpy);
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 0;
  config.install_signal_handlers = 0;
  PyConfig_SetString(&config, &config.program_name, widen(CHARMPY_PYTHON_EXECUTABLE).c_str());
  std::vector<std::wstring> wargs;
  for (const auto& a : args) wargs.push_back(widen(a));
  std::vector<wchar_t*> wptrs;
  for (auto& w : wargs) wptrs.push_back(w.data());
  PyConfig_SetArgv(&config, static_cast<Py_ssize_t>(wptrs.size()), wptrs.data());
  const PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) runtime.abort("cannot start the Python interpreter");

  // Under mpirun stdout is a pipe, which Python would block-buffer: line-buffer it, as
  // on a terminal, so a PE ended by force (an exit while it computes, an abort) has
  // lost no complete line it printed. (stderr is line-buffered already.)
  PyRun_SimpleString("import sys\nif sys.stdout is not None: sys.stdout.reconfigure(line_buffering=True)\n");

  state.schedulerState = PyThreadState_Get();
  state.threadStates.install(runtime.scheduler().pool(), state.schedulerState);

  // sys.path: the script's folder first (as python3 does), then the charmpy package.
  {
    std::error_code ec;
    fs::path dir = fs::absolute(fs::path(script), ec).parent_path();
    PyObject* path = PySys_GetObject("path");  // borrowed
    charmpy::PyRef scriptDir = charmpy::PyRef::steal(PyUnicode_FromString(dir.c_str()));
    charmpy::PyRef pkgDir = charmpy::PyRef::steal(PyUnicode_FromString(packageDir().c_str()));
    PyList_Insert(path, 0, pkgDir.get());
    PyList_Insert(path, 0, scriptDir.get());
  }

  if (!state.codec.init()) charmpy::abortWithPythonError("importing the charmpy pickler");

  PyObject* mainModule = PyImport_AddModule("__main__");  // borrowed
  PyObject* globals = PyModule_GetDict(mainModule);     // borrowed
  charmpy::PyRef fileName = charmpy::PyRef::steal(PyUnicode_FromString(script.c_str()));
  PyDict_SetItemString(globals, "__file__", fileName.get());
  PyDict_SetItemString(globals, "__cached__", Py_None);
  charmpy::PyRef result = charmpy::PyRef::steal(
      PyRun_FileExFlags(file, script.c_str(), Py_file_input, globals, globals, /*closeit=*/1, nullptr));

  int code = 0;
  if (!result) {
    if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
      code = charmpy::takeSystemExitCode();
    } else {
      charmpy::abortWithPythonError(script);
    }
  }
  if (!state.started) {
    if (transport.rank() == 0 && code == 0)
      std::fprintf(stderr, "charmpy-run: warning: %s never called charm.start()\n", script.c_str());
    transport.shutdown();
  }
  flushAll();
  // MPI is finalised and every PE is done. Python objects still referenced by
  // suspended coroutines are not torn down: end the process here.
  std::_Exit(code);
}
