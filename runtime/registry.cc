#include "runtime/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace charm {

Registry& Registry::instance() {
  static Registry registry;
  return registry;
}

std::uint32_t Registry::chareTypeId(const std::string& name) {
  for (const auto& t : chareTypes_)
    if (t->name == name) return t->id;
  auto info = std::make_unique<ChareTypeInfo>();
  info->name = name;
  info->id = static_cast<std::uint32_t>(chareTypes_.size());
  chareTypes_.push_back(std::move(info));
  return chareTypes_.back()->id;
}

EntryInfo* Registry::add(std::unique_ptr<EntryInfo> info, const std::string& chareTypeName) {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_)
    if (e->name == info->name) return e.get();  // same entry instantiated in two libraries
  if (frozen_) {
    std::fprintf(stderr,
                 "charm: entry method %s registered after the runtime started; "
                 "C++ entry methods must be registered at static initialisation\n",
                 info->name.c_str());
    std::abort();
  }
  info->chareType = chareTypeId(chareTypeName);
  entries_.push_back(std::move(info));
  return entries_.back().get();
}

EntryInfo* Registry::addEntry(std::string name, EntryInvoker invoke, std::string chareTypeName,
                              bool onFiber) {
  auto info = std::make_unique<EntryInfo>();
  info->name = std::move(name);
  info->invoke = invoke;
  info->onFiber = onFiber;
  return add(std::move(info), chareTypeName);
}

EntryInfo* Registry::addConstructor(std::string name, ChareConstructor construct,
                                    std::string chareTypeName) {
  auto info = std::make_unique<EntryInfo>();
  info->name = std::move(name);
  info->construct = construct;
  return add(std::move(info), chareTypeName);
}

void Registry::freeze() {
  std::lock_guard lock(mutex_);
  if (frozen_) return;
  frozen_ = true;
  std::vector<EntryInfo*> sorted;
  for (auto& e : entries_) sorted.push_back(e.get());
  std::sort(sorted.begin(), sorted.end(),
            [](const EntryInfo* a, const EntryInfo* b) { return a->name < b->name; });
  byId_.clear();
  for (EntryInfo* e : sorted) {
    e->id = static_cast<EntryId>(byId_.size());
    byId_.push_back(e);
  }
}

EntryId Registry::addDynamic(std::string name, EntryInvoker invoke, std::string chareTypeName,
                             bool onFiber) {
  std::lock_guard lock(mutex_);
  auto info = std::make_unique<EntryInfo>();
  info->name = std::move(name);
  info->invoke = invoke;
  info->chareType = chareTypeId(chareTypeName);
  info->onFiber = onFiber;
  info->id = static_cast<EntryId>(byId_.size());
  byId_.push_back(info.get());
  entries_.push_back(std::move(info));
  return byId_.back()->id;
}

EntryId Registry::addDynamicConstructor(std::string name, ChareConstructor construct,
                                        std::string chareTypeName) {
  std::lock_guard lock(mutex_);
  auto info = std::make_unique<EntryInfo>();
  info->name = std::move(name);
  info->construct = construct;
  info->chareType = chareTypeId(chareTypeName);
  info->id = static_cast<EntryId>(byId_.size());
  byId_.push_back(info.get());
  entries_.push_back(std::move(info));
  return byId_.back()->id;
}

const EntryInfo& Registry::entry(EntryId id) const {
  if (id >= byId_.size())
    throw std::out_of_range("charm: message for unknown entry method id " + std::to_string(id) +
                            " (" + std::to_string(byId_.size()) + " registered)");
  return *byId_[id];
}

}  // namespace charm
