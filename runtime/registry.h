// Registry: the table of chare types and entry methods, identical on every PE
// without any startup exchange. C++ entry methods register themselves at static
// initialisation under a name derived from the member-function pointer; when the
// first Runtime starts, the names are sorted and numbered, so every PE (running
// the same binary) assigns the same ids whatever the static-init order was.
// Entries added after that (from Python, in a deterministic order) are appended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "charm/detail/entry_info.h"

namespace charm {

struct ChareTypeInfo {
  std::string name;
  std::uint32_t id = 0;
};

class Registry {
 public:
  static Registry& instance();

  // Static-init registration; returns a stable pointer whose `id` is valid after freeze().
  EntryInfo* addEntry(std::string name, EntryInvoker invoke, std::string chareTypeName, bool onFiber);
  EntryInfo* addConstructor(std::string name, ChareConstructor construct, std::string chareTypeName);
  // Numbers everything registered so far (sorted by name). Idempotent.
  void freeze();
  // Registration after freeze (e.g. Python entry methods), numbered in call order.
  EntryId addDynamic(std::string name, EntryInvoker invoke, std::string chareTypeName, bool onFiber);
  EntryId addDynamicConstructor(std::string name, ChareConstructor construct,
                                std::string chareTypeName);

  const EntryInfo& entry(EntryId id) const;   // throws std::out_of_range on an unknown id
  std::size_t numEntries() const { return byId_.size(); }
  const ChareTypeInfo& chareType(std::uint32_t id) const { return *chareTypes_[id]; }

 private:
  std::uint32_t chareTypeId(const std::string& name);
  EntryInfo* add(std::unique_ptr<EntryInfo> info, const std::string& chareTypeName);
  std::mutex mutex_;  // static init is single-threaded; this guards the rare dynamic path
  bool frozen_ = false;
  std::vector<std::unique_ptr<EntryInfo>> entries_;
  std::vector<EntryInfo*> byId_;
  std::vector<std::unique_ptr<ChareTypeInfo>> chareTypes_;
};

}  // namespace charm
