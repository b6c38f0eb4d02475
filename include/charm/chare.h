// The base classes of user chares:
//   class Hello : public charm::ArrayElement<Hello> { ... };  // element of an N-d array
//   class Counter : public charm::Group<Counter> { ... };     // one per PE
//   class Main : public charm::Chare<Main> { ... };            // a singleton chare
// Each gives thisProxy() (the proxy of its collection) and thisIndex(). Singleton
// chares and array elements migrate (migrateMe(pe), the load balancer) when the
// class has a default constructor and `void pup(charm::Pup& p)`; migrated() runs
// on arrival.
#pragma once

#include "charm/chare_base.h"
#include "charm/detail/runtime_calls.h"
#include "charm/proxy.h"

namespace charm {

// Migration support shared by singleton chares and array elements: they move
// when Derived has a default constructor and `void pup(charm::Pup&)`.
template <class Derived>
class MigratableChare : public ChareBase {
 public:
  EntryId migrationEntry() const override {
    if constexpr (detail::CanMigrate<Derived>)
      return MigrationEntry<Derived>::id();
    else
      return kNoEntry;
  }
  std::string migrationBlocker() const override {
    return "to migrate, a C++ chare needs a default constructor and void pup(charm::Pup&)";
  }
  void packState(Pup& p) override {
    if constexpr (detail::HasPup<Derived>) static_cast<Derived*>(this)->pup(p);
  }
};

template <class Derived>
class Chare : public MigratableChare<Derived> {
 public:
  ChareProxy<Derived> thisProxy() const {
    return ChareProxy<Derived>(this->collectionId(), myPe());
  }
};

template <class Derived>
class Group : public ChareBase {
 public:
  // The PE this element lives on.
  int thisIndex() const { return chareIndex()[0]; }
  GroupProxy<Derived> thisProxy() const { return GroupProxy<Derived>(collectionId()); }
};

template <class Derived>
class ArrayElement : public MigratableChare<Derived> {
 public:
  const ArrayIndex& thisIndex() const { return this->chareIndex(); }
  ArrayProxy<Derived> thisProxy() const {
    return ArrayProxy<Derived>(this->collectionId(), detail::arrayDims(this->collectionId()));
  }
  // Moves this element to PE `pe` once the running entry method returns (its
  // state packed with pup()); messages follow it.
  void migrateMe(int pe) { detail::migrate(this->collectionId(), this->chareIndex(), pe); }
};

}  // namespace charm
