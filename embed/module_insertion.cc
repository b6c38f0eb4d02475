// `_charmpy` functions of sparse arrays: creating one empty (placed by the hash
// of the index, or by an ArrayMap group), inserting elements (constructor
// arguments always pickled: the insertion travels through the element's home to
// the PE it lives on), ending insertion, and the home PE of an index without a
// map (where messages to an element are sent until its location is known). Also
// destroying any array (ckDestroy) and the runtime's hook run once it is gone.
#include <string>

#include "module_support.h"
#include "runtime/collection.h"

namespace charmpy {

// create_sparse(constructor_entry, ndims[, map_id, use_at_sync]) -> collection id
PyObject* py_create_sparse(PyObject*, PyObject* args) {
  unsigned long ctor;
  int ndims;
  unsigned long long mapId = 0;
  int useAtSync = 0;
  if (!PyArg_ParseTuple(args, "ki|Kp", &ctor, &ndims, &mapId, &useAtSync)) return nullptr;
  return guarded([&]() -> PyObject* {
    charm::CollectionSpec spec;
    spec.kind = charm::CollectionKind::Array;
    spec.constructor = static_cast<charm::EntryId>(ctor);
    spec.dims = charm::sparseDims(ndims);
    spec.sparse = true;
    spec.arrayMap = mapId;
    spec.useAtSync = useAtSync != 0;
    const std::size_t size = charm::packedSize(spec);
    charm::MessageBuffer m = charm::newMessage(charm::MessageKind::CreateCollection, size);
    charm::packInto(charm::payloadOf(m), size, spec);
    const charm::CollectionId id = rt().collections().newId();
    rt().collections().create(id, spec, std::move(m));
    return PyLong_FromUnsignedLongLong(id);
  });
}

// insert(collection_id, index, on_pe, constructor_entry, args, kwargs[, map_id])
PyObject* py_insert(PyObject*, PyObject* args) {
  unsigned long long collection, mapId = 0;
  PyObject *indexObj, *cargs, *ckwargs;
  int onPe;
  unsigned long ctor;
  if (!PyArg_ParseTuple(args, "KOikO!O|K", &collection, &indexObj, &onPe, &ctor, &PyTuple_Type, &cargs, &ckwargs,
                        &mapId))
    return nullptr;
  charm::ArrayIndex index;
  if (!toIndex(indexObj, index, "index")) return nullptr;
  PyRef call = PyRef::steal(PyTuple_Pack(2, cargs, ckwargs));
  if (!call) return nullptr;
  charm::MessageBuffer m = embedState().codec.pack(call.get(), charm::MessageKind::InsertElement);
  if (!m) return nullptr;
  return guarded([&]() -> PyObject* {
    rt().collections().insert(collection, index, onPe, static_cast<charm::EntryId>(ctor), std::move(m), mapId);
    Py_RETURN_NONE;
  });
}

// done_inserting(collection_id)
PyObject* py_done_inserting(PyObject*, PyObject* cid) {
  const unsigned long long id = PyLong_AsUnsignedLongLong(cid);
  if (PyErr_Occurred()) return nullptr;
  return guarded([&]() -> PyObject* {
    rt().collections().doneInserting(id);
    Py_RETURN_NONE;
  });
}

// destroy(collection_id)
PyObject* py_destroy(PyObject*, PyObject* cid) {
  const unsigned long long id = PyLong_AsUnsignedLongLong(cid);
  if (PyErr_Occurred()) return nullptr;
  return guarded([&]() -> PyObject* {
    rt().collections().destroy(id);
    Py_RETURN_NONE;
  });
}

void forgetDestroyedCollection(charm::CollectionId collection) {
  EmbedState& st = embedState();
  std::erase_if(st.allreduces, [collection](const PendingAllReduce& p) { return p.collection == collection; });
  if (!st.collectionDestroyed) return;
  PyRef id = PyRef::steal(PyLong_FromUnsignedLongLong(collection));
  PyRef r = id ? PyRef::steal(PyObject_CallOneArg(st.collectionDestroyed.get(), id.get())) : PyRef();
  if (!r) abortWithPythonError("forgetting a destroyed array");
}

// sparse_home_pe(index) -> the home PE of a sparse array element
PyObject* py_sparse_home_pe(PyObject*, PyObject* indexObj) {
  charm::ArrayIndex index;
  if (!toIndex(indexObj, index, "index")) return nullptr;
  return PyLong_FromLong(charm::sparseHomePe(index, rt().numPes()));
}

}  // namespace charmpy
