// The base classes of user chares:
//   class Hello : public charm::ArrayElement<Hello> { ... };  // element of an N-d array
//   class Counter : public charm::Group<Counter> { ... };     // one per PE
//   class Main : public charm::Chare<Main> { ... };            // a singleton chare
// Each gives thisProxy() (the proxy of its collection) and thisIndex().
#pragma once

#include "runtime/chare_base.h"
#include "runtime/proxy.h"
#include "runtime/runtime.h"

namespace charm {

template <class Derived>
class Chare : public ChareBase {
 public:
  ChareProxy<Derived> thisProxy() const {
    return ChareProxy<Derived>(collectionId(), Runtime::current().myPe());
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
class ArrayElement : public ChareBase {
 public:
  const ArrayIndex& thisIndex() const { return chareIndex(); }
  ArrayProxy<Derived> thisProxy() const {
    const Collection* c = Runtime::current().findCollection(collectionId());
    return ArrayProxy<Derived>(collectionId(), c->spec().dims);
  }
};

}  // namespace charm
