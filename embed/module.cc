// The built-in module `_charmpy`: the charmpy package's only door into the
// runtime (see python-stdlib-shim/charmpy/_charmpy.pyi for the contract). This
// file: where-am-I queries, runtime flags, hooks, registration, start/exit, the
// method table and error handling. The calls (the hot path) are in
// module_calls.cc, futures and fibers in module_futures.cc, reductions in
// module_reductions.cc, sections in module_sections.cc.
#include "module.h"
#include "module_support.h"

#include <cstdio>
#include <cstring>

#include "message_object.h"
#include "python_chare.h"
#include "runtime/collection.h"
#include "runtime/registry.h"

namespace charmpy {

namespace {

EmbedState* gState = nullptr;

PyObject* py_my_pe(PyObject*, PyObject*) { return PyLong_FromLong(rt().myPe()); }
PyObject* py_num_pes(PyObject*, PyObject*) { return PyLong_FromLong(rt().numPes()); }

PyObject* py_host_layout(PyObject*, PyObject*) {
  EmbedState& st = embedState();
  PyRef hostOf = PyRef::steal(PyTuple_New(static_cast<Py_ssize_t>(st.hostOfPe.size())));
  for (std::size_t i = 0; i < st.hostOfPe.size(); ++i)
    PyTuple_SET_ITEM(hostOf.get(), static_cast<Py_ssize_t>(i), PyLong_FromLong(st.hostOfPe[i]));
  PyRef hosts = PyRef::steal(PyTuple_New(static_cast<Py_ssize_t>(st.pesOnHost.size())));
  for (std::size_t h = 0; h < st.pesOnHost.size(); ++h) {
    PyObject* pes = PyTuple_New(static_cast<Py_ssize_t>(st.pesOnHost[h].size()));
    for (std::size_t j = 0; j < st.pesOnHost[h].size(); ++j)
      PyTuple_SET_ITEM(pes, static_cast<Py_ssize_t>(j), PyLong_FromLong(st.pesOnHost[h][j]));
    PyTuple_SET_ITEM(hosts.get(), static_cast<Py_ssize_t>(h), pes);
  }
  return Py_BuildValue("(iOO)", st.myHost, hostOf.get(), hosts.get());
}

PyObject* flagsDict() {
  PyRef d = PyRef::steal(PyDict_New());
  for (const auto& [name, value] : embedState().flags.values()) {
    PyRef v = value.empty() ? PyRef::borrow(Py_True) : PyRef::steal(PyUnicode_FromString(value.c_str()));
    PyDict_SetItemString(d.get(), name.c_str(), v.get());
  }
  return d.release();
}

PyObject* py_runtime_flags(PyObject*, PyObject*) { return flagsDict(); }

PyObject* py_consume_flags(PyObject*, PyObject* argv) {
  if (!PyList_Check(argv)) return fail(PyExc_TypeError, "consume_flags takes a list of strings");
  std::vector<std::string> args;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(argv); ++i) {
    const char* s = PyUnicode_AsUTF8(PyList_GET_ITEM(argv, i));
    if (!s) return nullptr;
    args.emplace_back(s);
  }
  const auto rest = embedState().flags.consume(args, rt().myPe() == 0);
  PyRef out = PyRef::steal(PyList_New(static_cast<Py_ssize_t>(rest.size())));
  for (std::size_t i = 0; i < rest.size(); ++i)
    PyList_SET_ITEM(out.get(), static_cast<Py_ssize_t>(i), PyUnicode_FromString(rest[i].c_str()));
  return out.release();
}

PyObject* py_set_hooks(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"make_chare", "deliver_future", "format_exception", "array_map_pe",
                                "reduction_done", "numeric_reduction_done", "recheck_waiting",
                                "allreduce_done", "pack_chare", "unpack_chare", "collection_destroyed", nullptr};
  PyObject *make = nullptr, *deliver = nullptr, *format = nullptr, *mapPe = nullptr, *reduced = nullptr,
           *numericReduced = nullptr, *recheck = nullptr, *allreduced = nullptr, *pack = nullptr,
           *unpack = nullptr, *destroyed = nullptr;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOOOOOOOOOO", const_cast<char**>(names), &make, &deliver,
                                   &format, &mapPe, &reduced, &numericReduced, &recheck, &allreduced, &pack,
                                   &unpack, &destroyed))
    return nullptr;
  if (!make || !deliver || !format)
    return fail(PyExc_TypeError, "set_hooks needs make_chare, deliver_future and format_exception");
  EmbedState& st = embedState();
  st.makeChare = PyRef::borrow(make);
  st.deliverFuture = PyRef::borrow(deliver);
  st.formatException = PyRef::borrow(format);
  st.arrayMapPe = mapPe ? PyRef::borrow(mapPe) : PyRef();
  st.reductionDone = reduced ? PyRef::borrow(reduced) : PyRef();
  st.numericReductionDone = numericReduced ? PyRef::borrow(numericReduced) : PyRef();
  st.recheckWaiting = recheck ? PyRef::borrow(recheck) : PyRef();
  st.allreduceDone = allreduced ? PyRef::borrow(allreduced) : PyRef();
  st.packChare = pack ? PyRef::borrow(pack) : PyRef();
  st.unpackChare = unpack ? PyRef::borrow(unpack) : PyRef();
  st.collectionDestroyed = destroyed ? PyRef::borrow(destroyed) : PyRef();
  st.waitingKey = PyRef::steal(PyUnicode_InternFromString("_charmpy_waiting"));
  st.runtime->setEmbeddingHooks(&st.hooks);
  Py_RETURN_NONE;
}

std::string className(PyObject* cls) {
  PyRef module = PyRef::steal(PyObject_GetAttrString(cls, "__module__"));
  PyRef qual = PyRef::steal(PyObject_GetAttrString(cls, "__qualname__"));
  PyErr_Clear();
  std::string s = module && PyUnicode_Check(module.get()) ? PyUnicode_AsUTF8(module.get()) : "?";
  s += ".";
  s += qual && PyUnicode_Check(qual.get()) ? PyUnicode_AsUTF8(qual.get()) : "?";
  return s;
}

PyObject* py_register_constructor(PyObject*, PyObject* args) {
  PyObject* cls;
  int kind, coro;
  if (!PyArg_ParseTuple(args, "Oip", &cls, &kind, &coro)) return nullptr;
  if (!PyType_Check(cls)) return fail(PyExc_TypeError, "register_constructor takes a class");
  const std::string name = "py:" + className(cls) + ":ctor:" + std::to_string(kind);
  const charm::EntryId id = charm::Registry::instance().addDynamicConstructor(
      name, &constructPythonChare, "py:" + className(cls));
  PythonEntry entry{PyRef::borrow(cls), PyRef(), PyRef(), kind, coro != 0};
  if (kind != static_cast<int>(charm::CollectionKind::Group)) {
    // Singleton chares and array elements migrate: the constructor that rebuilds them.
    entry.migrationEntry = charm::Registry::instance().addDynamicConstructor(
        name + ":migrated", &constructMigratedPythonChare, "py:" + className(cls));
    embedState().entries[entry.migrationEntry] = PythonEntry{PyRef::borrow(cls), PyRef(), PyRef(), kind, false};
  }
  embedState().entries[id] = std::move(entry);
  return PyLong_FromUnsignedLong(id);
}

PyObject* py_register_entry(PyObject*, PyObject* args) {
  PyObject *cls, *method;
  int coro;
  if (!PyArg_ParseTuple(args, "OUp", &cls, &method, &coro)) return nullptr;
  const std::string name = "py:" + className(cls) + "." + PyUnicode_AsUTF8(method);
  const charm::EntryId id = charm::Registry::instance().addDynamic(name, &invokePythonEntry,
                                                                   "py:" + className(cls), coro != 0);
  PyObject* interned = method;
  Py_INCREF(interned);
  PyUnicode_InternInPlace(&interned);
  // Cache the plain function so calls skip the attribute lookup and bound-method
  // object (static/class methods and other descriptors keep the generic path).
  PyRef function = PyRef::steal(PyObject_GetAttr(cls, interned));
  if (!function || !PyFunction_Check(function.get())) {
    PyErr_Clear();
    function = PyRef();
  }
  embedState().entries[id] =
      PythonEntry{PyRef::borrow(cls), PyRef::steal(interned), std::move(function), 0, coro != 0};
  return PyLong_FromUnsignedLong(id);
}

PyObject* py_start(PyObject*, PyObject* entry) {
  EmbedState& st = embedState();
  if (st.started) return fail(PyExc_RuntimeError, "charm.start() was already called");
  if (!st.makeChare || !st.deliverFuture)
    return fail(PyExc_RuntimeError, "_charmpy.set_hooks() must be called before start()");
  st.started = true;
  st.runtime->setFlags(st.flags);  // with those the program added to sys.argv
  std::function<void()> main;
  if (entry != Py_None) {
    PyRef fn = PyRef::borrow(entry);
    main = [fn]() mutable {
      PyRef r = PyRef::steal(PyObject_CallNoArgs(fn.get()));
      if (!r) handleUncaught("the entry function");
      fn = PyRef();
    };
  }
  int code = 0;
  try {
    code = st.runtime->run(std::move(main));
  } catch (const std::exception& e) {
    return fail(PyExc_RuntimeError, e.what());
  }
  return PyLong_FromLong(code);
}

PyObject* py_exit(PyObject*, PyObject* args) {
  int code = 0;
  if (!PyArg_ParseTuple(args, "|i", &code)) return nullptr;
  rt().exit(code);
  Py_RETURN_NONE;
}

PyObject* py_abort(PyObject*, PyObject* message) {
  PyRef text = PyRef::steal(PyObject_Str(message));
  rt().abort(text ? PyUnicode_AsUTF8(text.get()) : "abort");
}

PyObject* py_set_profiling(PyObject*, PyObject* on) {
  embedState().profiling = PyObject_IsTrue(on) == 1;
  Py_RETURN_NONE;
}

// set_local_calls(by_reference, shareable_types): how calls to the same PE treat
// their arguments (see EmbedState::localMsgOptim).
PyObject* py_set_local_calls(PyObject*, PyObject* args) {
  int byReference;
  PyObject* shareable;
  if (!PyArg_ParseTuple(args, "pO!", &byReference, &PyTuple_Type, &shareable)) return nullptr;
  EmbedState& st = embedState();
  st.localMsgOptim = byReference != 0;
  st.shareableTypes = PyRef::borrow(shareable);
  st.unsharedStaticType = PyRef();
  Py_RETURN_NONE;
}

// {(class name, method name): (calls, seconds, bytes received, bytes sent)} of this PE.
PyObject* py_profile(PyObject*, PyObject*) {
  EmbedState& st = embedState();
  PyRef d = PyRef::steal(PyDict_New());
  for (const auto& [id, p] : st.profile) {
    auto e = st.entries.find(id);
    if (e == st.entries.end() || !e->second.methodName) continue;
    PyRef qual = PyRef::steal(PyObject_GetAttrString(e->second.cls.get(), "__qualname__"));
    PyRef key = PyRef::steal(PyTuple_Pack(2, qual.get(), e->second.methodName.get()));
    PyRef value = PyRef::steal(Py_BuildValue("(KdKK)", static_cast<unsigned long long>(p.calls), p.seconds,
                                             static_cast<unsigned long long>(p.bytesReceived),
                                             static_cast<unsigned long long>(p.bytesSent)));
    if (!qual || !key || !value || PyDict_SetItem(d.get(), key.get(), value.get()) < 0) return nullptr;
  }
  return d.release();
}

PyMethodDef methods[] = {
    {"my_pe", py_my_pe, METH_NOARGS, "This PE's number."},
    {"num_pes", py_num_pes, METH_NOARGS, "Number of PEs."},
    {"host_layout", py_host_layout, METH_NOARGS, "(my_host, host_of_pe, pes_on_host)."},
    {"runtime_flags", py_runtime_flags, METH_NOARGS, "The runtime's +flags."},
    {"consume_flags", py_consume_flags, METH_O, "Removes +flags from a list; returns the rest."},
    {"set_hooks", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_set_hooks)),
     METH_VARARGS | METH_KEYWORDS, "Sets the package's hooks."},
    {"register_constructor", py_register_constructor, METH_VARARGS, "Registers a constructor."},
    {"register_entry", py_register_entry, METH_VARARGS, "Registers an entry method."},
    {"start", py_start, METH_O, "Runs the scheduler until exit; returns the exit code."},
    {"exit", py_exit, METH_VARARGS, "Ends the program on every PE."},
    {"abort", py_abort, METH_O, "Ends the job with a message."},
    {"write_output", py_write_output, METH_VARARGS, "Prints bytes on stdout (1) or stderr (2) as whole lines."},
    {"flush_output", py_flush_output, METH_O, "Flushes stdout (1) or stderr (2)."},
    {"create", py_create, METH_VARARGS, "Creates a collection; returns its id."},
    {"place_chare", py_place_chare, METH_NOARGS, "A PE for a new singleton chare."},
    {"collection_map", py_collection_map, METH_O, "The ArrayMap of an array known here."},
    {"element_pe", py_element_pe, METH_VARARGS, "PE of an array element (default map)."},
    {"create_sparse", py_create_sparse, METH_VARARGS, "Creates an empty sparse array; returns its id."},
    {"insert", py_insert, METH_VARARGS, "Inserts an element into a sparse array."},
    {"done_inserting", py_done_inserting, METH_O, "Ends insertion into a sparse array."},
    {"destroy", py_destroy, METH_O, "Destroys an array on every PE (ckDestroy)."},
    {"sparse_home_pe", py_sparse_home_pe, METH_O, "Home PE of a sparse array element."},
    {"send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_send)), METH_FASTCALL,
     "Calls an entry method of one element."},
    {"broadcast", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_broadcast)),
     METH_VARARGS | METH_KEYWORDS, "Calls an entry method of every element."},
    {"set_proxy_layout", py_set_proxy_layout, METH_O, "Registers proxy.Proxy (its slots) for the C proxy methods."},
    {"set_calls_held", py_set_calls_held, METH_O, "While true, proxy calls go through their Python methods (start-up)."},
    {"send_future", py_send_future, METH_VARARGS, "Sends a value to a future."},
    {"new_future_id", py_new_future_id, METH_NOARGS, "A future id unique on this PE."},
    {"spawn", py_spawn, METH_VARARGS, "Runs a callable on a new fiber."},
    {"current_fiber", py_current_fiber, METH_NOARGS, "Handle of the running fiber (0: none)."},
    {"suspend", py_suspend, METH_VARARGS, "Suspends the running fiber; suspend(what) names what it waits for."},
    {"note_waiting", py_note_waiting, METH_NOARGS,
     "A chare of this PE has a call waiting on a condition: re-check after its entry methods from now on."},
    {"waiting_coroutines", py_waiting_coroutines, METH_NOARGS,
     "[(chare, method, what, frame)] of the suspended coroutines of this PE."},
    {"set_diagnosis", py_set_diagnosis, METH_O, "set_diagnosis(report): the deadlock report's hook."},
    {"resume", py_resume, METH_VARARGS, "Resumes a suspended fiber."},
    {"after", py_after, METH_VARARGS, "Calls fn() after a delay."},
    {"start_qd", py_start_qd, METH_O, "Starts quiescence detection."},
    {"contribute", py_contribute, METH_VARARGS, "Contributes to a reduction."},
    {"contribute_numeric", py_contribute_numeric, METH_VARARGS, "Contributes numbers, combined in C."},
    {"section_new_id", py_section_new_id, METH_NOARGS, "A new section id, unique without communication."},
    {"section_register", py_section_register, METH_VARARGS, "Tells this PE a section's members."},
    {"section_broadcast", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_section_broadcast)),
     METH_VARARGS | METH_KEYWORDS, "Calls an entry method of every member of a section."},
    {"allreduce_numeric", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_allreduce_numeric)),
     METH_FASTCALL, "Contributes numbers to an allreduce resolving a future on every element."},
    {"allreduce_scalar", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_allreduce_scalar)),
     METH_FASTCALL, "Chare.allreduce of a number without Python code (None: not taken)."},
    {"allreduce_fast_setup", py_allreduce_fast_setup, METH_VARARGS, "What allreduce_scalar needs."},
    {"future_setup", py_future_setup, METH_VARARGS, "Futures made, resolved and waited for in C."},
    {"future_wait", py_future_wait, METH_O, "Future.get()'s wait in C (False: not taken)."},
    {"allreduce_marker", py_allreduce_marker, METH_VARARGS,
     "Stands in the pairwise allreduce for a contribution combined in Python."},
    {"migrate", py_migrate, METH_VARARGS, "Moves the calling chare to another PE."},
    {"set_migratable", py_set_migratable, METH_VARARGS, "Allows or forbids moving a chare."},
    {"chare_state", py_chare_state, METH_O, "(migratable, running coroutines) of a local chare, or None."},
    {"at_sync", py_at_sync, METH_O, "The chare is ready for a load-balancing step."},
    {"lb_instrument", py_lb_instrument, METH_O, "Turns load measurement on this PE on or off (None: whether it is on)."},
    {"set_profiling", py_set_profiling, METH_O, "Turns per-entry-method profiling on or off."},
    {"set_local_calls", py_set_local_calls, METH_VARARGS,
     "set_local_calls(by_reference, shareable_types): how same-PE calls pass their arguments."},
    {"profile", py_profile, METH_NOARGS, "This PE's per-entry-method profile."},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef moduleDef = {PyModuleDef_HEAD_INIT, "_charmpy",
                         "The charmpy runtime's native interface (see _charmpy.pyi).", -1, methods,
                         nullptr, nullptr, nullptr, nullptr};

}  // namespace

EmbedState& embedState() { return *gState; }
void setEmbedState(EmbedState* state) { gState = state; }

void abortWithPythonError(const std::string& where) {
  std::string text = "Python error in " + where;
  if (PyErr_Occurred()) {
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb && v) PyException_SetTraceback(v, tb);
    PyRef type = PyRef::steal(t), value = PyRef::steal(v), trace = PyRef::steal(tb);
    PyRef tbmod = PyRef::steal(PyImport_ImportModule("traceback"));
    PyRef lines = tbmod && value ? PyRef::steal(PyObject_CallMethod(tbmod.get(), "format_exception", "O", value.get()))
                                 : PyRef();
    PyRef joined = lines ? PyRef::steal(PyUnicode_Join(PyRef::steal(PyUnicode_FromString("")).get(), lines.get()))
                         : PyRef();
    if (joined)
      text += ":\n" + std::string(PyUnicode_AsUTF8(joined.get()));
    else if (value)
      if (PyRef s = PyRef::steal(PyObject_Str(value.get()))) text += ": " + std::string(PyUnicode_AsUTF8(s.get()));
    PyErr_Clear();
  }
  flushPythonOutput();
  embedState().runtime->abort(text);
}

void flushPythonOutput() {
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);  // keep an exception being handled
  for (const char* name : {"stdout", "stderr"}) {
    PyObject* stream = PySys_GetObject(name);  // borrowed
    if (stream && stream != Py_None) Py_XDECREF(PyObject_CallMethod(stream, "flush", nullptr));
    PyErr_Clear();
  }
  PyErr_Restore(t, v, tb);
}

int takeSystemExitCode() {
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);
  PyErr_NormalizeException(&t, &v, &tb);
  PyRef type = PyRef::steal(t), value = PyRef::steal(v), trace = PyRef::steal(tb);
  PyRef c = value ? PyRef::steal(PyObject_GetAttrString(value.get(), "code")) : PyRef();
  PyErr_Clear();
  if (c && PyLong_Check(c.get())) return static_cast<int>(PyLong_AsLong(c.get()));
  if (!c || c.get() == Py_None) return 0;
  if (PyRef s = PyRef::steal(PyObject_Str(c.get()))) std::fprintf(stderr, "%s\n", PyUnicode_AsUTF8(s.get()));
  PyErr_Clear();
  return 1;
}

void handleUncaught(const std::string& where) {
  if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
    embedState().runtime->exit(takeSystemExitCode());
    return;
  }
  abortWithPythonError(where);
}

PyObject* initModule() {
  PyRef m = PyRef::steal(PyModule_Create(&moduleDef));
  if (!m) return nullptr;
  if (!initMessageType(m.get()) || !initProxyMethodType(m.get())) return nullptr;
  struct {
    const char* name;
    int value;
  } constants[] = {{"KIND_CHARE", 0}, {"KIND_GROUP", 1}, {"KIND_ARRAY", 2},
                   {"REDUCER_NOP", static_cast<int>(charm::ReducerKind::Nop)},
                   {"REDUCER_SUM", static_cast<int>(charm::ReducerKind::Sum)},
                   {"REDUCER_PRODUCT", static_cast<int>(charm::ReducerKind::Product)},
                   {"REDUCER_MIN", static_cast<int>(charm::ReducerKind::Min)},
                   {"REDUCER_MAX", static_cast<int>(charm::ReducerKind::Max)},
                   {"REDUCER_AND", static_cast<int>(charm::ReducerKind::LogicalAnd)},
                   {"REDUCER_OR", static_cast<int>(charm::ReducerKind::LogicalOr)},
                   {"REDUCER_XOR", static_cast<int>(charm::ReducerKind::LogicalXor)},
                   {"REDUCER_GATHER", static_cast<int>(charm::ReducerKind::Gather)},
                   {"PROXY_ENTRY_CALL", 0}, {"PROXY_GROUP_ITEM", 1}, {"PROXY_ARRAY_ITEM", 2},
                   {"METHOD_FUTURE_GET", 3}, {"METHOD_CHARE_ALLREDUCE", 4}};
  for (const auto& c : constants)
    if (PyModule_AddIntConstant(m.get(), c.name, c.value) < 0) return nullptr;
  return m.release();
}

}  // namespace charmpy

PyMODINIT_FUNC PyInit__charmpy() { return charmpy::initModule(); }
