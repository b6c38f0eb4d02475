// The state size of a Python chare, for load balancing's migration cost check
// (lb/migration_gate.h): what packState would write, measured like its sizing pass
// (the pack_chare hook's state, i.e. __getstate__ or __dict__, pickled with its
// arrays out of band: the arrays' bytes are counted, not copied), then dropped.
// Asked on the PE an element lives on, only for the elements a balancing strategy
// wants to move, once per step: the cost is that of pickling the state without its
// arrays (a few microseconds for a stencil block; see the README's migration notes).
#include "module_support.h"
#include "python_embedding_hooks.h"

namespace charmpy {

std::size_t pythonStateBytes(charm::ChareBase& e) {
  auto* chare = dynamic_cast<PythonChare*>(&e);
  if (!chare) return charm::EmbeddingHooks::pupStateBytes(e);
  EmbedState& st = embedState();
  if (!st.packChare) return 0;
  PyObject* args[] = {chare->object()};
  PyRef state = PyRef::steal(PyObject_Vectorcall(st.packChare.get(), args, 1, nullptr));
  PickleCodec::Pickled pickled;
  if (!state || !st.codec.pickle(state.get(), pickled)) {
    // Unknown. If it moves, its migration reports the error (packState aborts).
    PyErr_Clear();
    return 0;
  }
  return pickled.size();
}

}  // namespace charmpy
