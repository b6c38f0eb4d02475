// `_charmpy` functions for sections: new ids, telling this PE a section's spec,
// and broadcasting to a section (contributions name the section in
// module_reductions.cc). The package keeps the spec inside section proxies, so
// any PE that holds a proxy can describe the section to its runtime.
#include <string>
#include <vector>

#include "module_support.h"
#include "runtime/section_table.h"

namespace charmpy {

PyObject* py_section_new_id(PyObject*, PyObject*) { return PyLong_FromUnsignedLongLong(rt().sections().newId()); }

// section_register(sid, root, members): members a sequence of (collection id,
// index tuple, pe) in section order. Cheap when the section is already known.
PyObject* py_section_register(PyObject*, PyObject* args) {
  unsigned long long sid;
  int root;
  PyObject* members;
  if (!PyArg_ParseTuple(args, "KiO", &sid, &root, &members)) return nullptr;
  if (const charm::SectionInfo* known = rt().sections().find(sid); known && known->complete()) Py_RETURN_NONE;
  PyRef seq = PyRef::steal(PySequence_Fast(members, "section members must be a sequence"));
  if (!seq) return nullptr;
  charm::SectionSpec spec;
  spec.id = sid;
  spec.root = root;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  spec.members.resize(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq.get(), i);
    charm::SectionMember& m = spec.members[static_cast<std::size_t>(i)];
    PyObject* index;
    unsigned long long cid;
    if (!PyArg_ParseTuple(item, "KOi", &cid, &index, &m.pe)) return nullptr;
    m.collection = cid;
    if (!toIndex(index, m.index, "a section member's index")) return nullptr;
  }
  return guarded([&] {
    rt().addSection(std::move(spec));
    Py_RETURN_NONE;
  });
}

// section_broadcast(sid, entries, args, kwargs, reply_pe=-1, reply_fid=0, gather=False):
// entries a sequence of (collection id, entry id), one per collection in the section.
PyObject* py_section_broadcast(PyObject*, PyObject* args, PyObject* kwargs) {
  static const char* names[] = {"sid", "entries", "args", "kwargs", "reply_pe", "reply_fid", "gather", nullptr};
  unsigned long long sid, fid = 0;
  PyObject *entriesObj, *cargs, *ckwargs;
  int replyPe = -1, gather = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "KOO!O|iKp", const_cast<char**>(names), &sid, &entriesObj,
                                   &PyTuple_Type, &cargs, &ckwargs, &replyPe, &fid, &gather))
    return nullptr;
  PyRef seq = PyRef::steal(PySequence_Fast(entriesObj, "entries must be a sequence"));
  if (!seq) return nullptr;
  std::vector<charm::SectionRouting::Entry> entries(static_cast<std::size_t>(PySequence_Fast_GET_SIZE(seq.get())));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    unsigned long long cid;
    unsigned long entry;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq.get(), static_cast<Py_ssize_t>(i)), "Kk", &cid, &entry))
      return nullptr;
    entries[i] = {cid, static_cast<charm::EntryId>(entry)};
  }
  std::uint8_t flags = gather ? kReplyGathered : 0;
  charm::MessageBuffer m = packBroadcast(cargs, ckwargs == Py_None ? nullptr : ckwargs, flags);
  if (!m) return nullptr;
  countSent(charm::payloadSizeOf(m));
  return guarded([&] {
    rt().broadcastSection(sid, entries, std::move(m), charm::FutureRef{replyPe, fid}, flags);
    Py_RETURN_NONE;
  });
}

}  // namespace charmpy
