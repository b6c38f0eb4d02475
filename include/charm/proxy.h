// Proxies: how code names chares on any PE and calls their entry methods
// asynchronously. ChareProxy (one singleton chare), GroupProxy (one element per
// PE), ArrayProxy (a dense N-d array, or a sparse one filled by insert()) and
// ElementProxy (one element of a group or array). Entry methods are named by member-function pointers:
//   proxy[i].invoke<&Hello::greet>("hi");           // fire and forget
//   auto f = proxy[i].call<&Hello::answer>(2);      // Future of the return value
//   proxy.broadcast<&Hello::greet>("all");          // every element, exactly once
// Proxies are plain values: copy them, pack them into messages.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "charm/detail/collection_spec.h"
#include "charm/detail/runtime_calls.h"
#include "charm/entry.h"
#include "charm/future.h"

namespace charm {

namespace detail {

template <class T, auto Method>
constexpr void checkEntryOf() {
  using C = typename MethodTraits<decltype(Method)>::Class;
  static_assert(std::is_base_of_v<C, T>,
                "charm: this entry method belongs to another chare type than the proxy's");
}

// Constructor arguments travel as these types (string literals as std::string).
template <class A>
using WireType = std::conditional_t<std::is_same_v<std::decay_t<A>, const char*> ||
                                        std::is_same_v<std::decay_t<A>, char*>,
                                    std::string, std::decay_t<A>>;

template <class T, class... A>
void createWithConstructor(CollectionId id, CollectionSpec spec, const A&... args) {
  spec.constructor = ConstructorEntry<T, WireType<A>...>::id();
  auto pack = [&](const auto&... wire) {
    const std::size_t size = packedSize(spec, wire...);
    MessageBuffer m = newMessage(MessageKind::CreateCollection, size);
    packInto(payloadOf(m), size, spec, wire...);
    createCollection(id, spec, std::move(m));
  };
  pack(WireType<A>(args)...);
}

template <auto Method>
using ReturnOf = typename MethodTraits<decltype(Method)>::Return;
template <auto Method>
using ParamsOf = typename MethodTraits<decltype(Method)>::Params;

}  // namespace detail

template <class T>
class ElementProxy {
 public:
  ElementProxy() = default;
  ElementProxy(CollectionId collection, const ArrayIndex& index, int pe)
      : collection_(collection), index_(index), pe_(pe) {}

  template <auto Method, class... A>
  void invoke(A&&... args) const {
    detail::checkEntryOf<T, Method>();
    detail::sendEntryCall(
        collection_, index_, pe_, Entry<Method>::id(),
        detail::packArguments<detail::ParamsOf<Method>>(std::forward<A>(args)...));
  }

  // Like invoke, and returns a future of the method's return value
  // (Future<void> completes when the method has run).
  template <auto Method, class... A>
  Future<detail::ReturnOf<Method>> call(A&&... args) const {
    detail::checkEntryOf<T, Method>();
    auto f = Future<detail::ReturnOf<Method>>::make();
    detail::sendEntryCall(
        collection_, index_, pe_, Entry<Method>::id(),
        detail::packArguments<detail::ParamsOf<Method>>(std::forward<A>(args)...), f.ref());
    return f;
  }

  // A callback that calls Method on this element with the result.
  template <auto Method>
  Callback callback() const {
    detail::checkEntryOf<T, Method>();
    return Callback::toElement(collection_, index_, pe_, Entry<Method>::id());
  }

  CollectionId collection() const { return collection_; }
  const ArrayIndex& index() const { return index_; }
  int pe() const { return pe_; }

  void pup(Pup& p) {
    p | collection_;
    p | index_;
    p | pe_;
  }

 private:
  CollectionId collection_ = 0;
  ArrayIndex index_;
  int pe_ = -1;
};

// Methods shared by the proxies of whole collections.
template <class T>
class CollectionProxyBase {
 public:
  CollectionId id() const { return id_; }

  // Calls Method on every element, each exactly once.
  template <auto Method, class... A>
  void broadcast(A&&... args) const {
    detail::checkEntryOf<T, Method>();
    detail::broadcastEntry(
        id_, Entry<Method>::id(),
        detail::packArguments<detail::ParamsOf<Method>>(std::forward<A>(args)...));
  }

  // A callback that broadcasts the result to Method of every element.
  template <auto Method>
  Callback callback() const {
    detail::checkEntryOf<T, Method>();
    return Callback::toBroadcast(id_, Entry<Method>::id());
  }

  // For reductions over this collection itself (an allreduce): every element
  // gets Method called with the result. Numeric and nop reducers only. Faster
  // than callback<Method>(): the PEs swap partials pairwise and each delivers
  // to its own elements, with no trip through PE 0 and no broadcast.
  template <auto Method>
  Callback allreduceCallback() const {
    detail::checkEntryOf<T, Method>();
    return Callback::toAllElements(id_, Entry<Method>::id());
  }

 protected:
  CollectionProxyBase() = default;
  explicit CollectionProxyBase(CollectionId id) : id_(id) {}
  CollectionId id_ = 0;
};

template <class T>
class ArrayProxy : public CollectionProxyBase<T> {
 public:
  ArrayProxy() = default;
  ArrayProxy(CollectionId id, const ArrayIndex& dims) : CollectionProxyBase<T>(id), dims_(dims) {}

  // Creates an array of extents `dims` (1 to 6 dimensions), each element
  // constructed as T(args...) on the PE the default map gives it.
  template <class... A>
  static ArrayProxy create(const ArrayIndex& dims, const A&... args) {
    checkDims(dims);
    CollectionSpec spec;
    spec.kind = CollectionKind::Array;
    spec.dims = dims;
    const CollectionId id = detail::newCollectionId();
    detail::createWithConstructor<T>(id, spec, args...);
    return ArrayProxy(id, dims);
  }
  // The same for an array whose elements call AtSync() for load balancing (and
  // get resumeFromSync() once each balancing step is over).
  template <class... A>
  static ArrayProxy createUsingAtSync(const ArrayIndex& dims, const A&... args) {
    checkDims(dims);
    CollectionSpec spec;
    spec.kind = CollectionKind::Array;
    spec.dims = dims;
    spec.useAtSync = true;
    const CollectionId id = detail::newCollectionId();
    detail::createWithConstructor<T>(id, spec, args...);
    return ArrayProxy(id, dims);
  }

  // An empty sparse array of `ndims` dimensions (1 to 6), filled by insert()
  // from any PE and closed by doneInserting(); broadcasts and reductions cover
  // exactly the inserted elements (reductions complete once doneInserting has
  // counted them; contributions made before then wait).
  static ArrayProxy createSparse(int ndims) {
    const ArrayIndex dims = sparseDims(ndims);
    CollectionSpec spec;
    spec.kind = CollectionKind::Array;
    spec.dims = dims;
    spec.sparse = true;
    const CollectionId id = detail::newCollectionId();
    const std::size_t size = packedSize(spec);
    MessageBuffer m = newMessage(MessageKind::CreateCollection, size);
    packInto(payloadOf(m), size, spec);
    detail::createCollection(id, spec, std::move(m));
    return ArrayProxy(id, dims);
  }

  // Sparse arrays: inserts element `index`, constructed as T(args...) on PE
  // `onPe` (-1: its home PE). Messages sent to it before it exists wait for it.
  // Throws std::invalid_argument for a dense array, a wrong number of
  // dimensions or an index inserted from this PE before; std::out_of_range for
  // a bad PE. Any insertion made before doneInserting() counts.
  template <class... A>
  void insert(const ArrayIndex& index, int onPe, const A&... args) const {
    if (!sparse()) throw std::invalid_argument("charm: insert() is for sparse arrays (ArrayProxy::createSparse)");
    checkSparseIndex(index);
    auto pack = [&](const auto&... wire) {
      const std::size_t size = packedSize(wire...);
      MessageBuffer m = newMessage(MessageKind::InsertElement, size);
      packInto(payloadOf(m), size, wire...);
      detail::insertElement(this->id_, index, onPe,
                                       ConstructorEntry<T, detail::WireType<A>...>::id(), std::move(m));
    };
    pack(detail::WireType<A>(args)...);
  }
  // Ends insertion (call once, from any PE, after the insertions).
  void doneInserting() const {
    if (!sparse()) throw std::invalid_argument("charm: doneInserting() is for sparse arrays");
    detail::doneInserting(this->id_);
  }
  // Destroys the whole array on every PE (Charm++'s ckDestroy): each PE deletes
  // its elements and forgets what it keeps for the array. Calls this PE made to
  // the array before are delivered first; using a proxy of it afterwards throws
  // std::logic_error, and a message reaching it later raises at its future or
  // aborts the job.
  void destroy() const { detail::destroyCollection(this->id_); }
  bool sparse() const { return isSparseDims(dims_); }

  // Throws std::out_of_range for an index outside the array (sparse arrays:
  // std::invalid_argument for a wrong number of dimensions; any values).
  ElementProxy<T> operator[](const ArrayIndex& index) const {
    if (sparse()) {
      checkSparseIndex(index);
      return ElementProxy<T>(this->id_, index, sparseHomePe(index, numPes()));
    }
    checkIndexInRange(index, dims_);
    return ElementProxy<T>(this->id_, index,
                           defaultMapPe(index, dims_, numPes()));
  }
  ElementProxy<T> operator[](int i) const { return (*this)[ArrayIndex::of1d(i)]; }

  const ArrayIndex& dims() const { return dims_; }
  std::uint64_t size() const { return sparse() ? 0 : elementCount(dims_); }

  void pup(Pup& p) {
    p | this->id_;
    p | dims_;
  }

 private:
  void checkSparseIndex(const ArrayIndex& index) const {
    if (index.ndims != dims_.ndims)
      throw std::invalid_argument("charm: index " + index.toString() + " has " + std::to_string(index.ndims) +
                                  " dimension(s) but the sparse array has " + std::to_string(dims_.ndims));
  }

  ArrayIndex dims_;
};

template <class T>
class GroupProxy : public CollectionProxyBase<T> {
 public:
  GroupProxy() = default;
  explicit GroupProxy(CollectionId id) : CollectionProxyBase<T>(id) {}

  // Creates one T(args...) on every PE.
  template <class... A>
  static GroupProxy create(const A&... args) {
    CollectionSpec spec;
    spec.kind = CollectionKind::Group;
    const CollectionId id = detail::newCollectionId();
    detail::createWithConstructor<T>(id, spec, args...);
    return GroupProxy(id);
  }

  // The element on PE `pe`; throws std::out_of_range for a PE that does not exist.
  ElementProxy<T> operator[](int pe) const {
    const int n = numPes();
    if (pe < 0 || pe >= n)
      throw std::out_of_range("charm: group element " + std::to_string(pe) +
                              " does not exist; PEs are 0.." + std::to_string(n - 1));
    return ElementProxy<T>(this->id_, ArrayIndex::of1d(pe), pe);
  }

  void pup(Pup& p) { p | this->id_; }
};

template <class T>
class ChareProxy : public ElementProxy<T> {
 public:
  ChareProxy() = default;
  ChareProxy(CollectionId id, int pe) : ElementProxy<T>(id, ArrayIndex::of1d(0), pe) {}

  // Creates a singleton T(args...) on a PE the runtime picks.
  template <class... A>
  static ChareProxy create(const A&... args) {
    return createOn(detail::placeSingleton(), args...);
  }
  // Creates a singleton T(args...) on PE `pe`.
  template <class... A>
  static ChareProxy createOn(int pe, const A&... args) {
    if (pe < 0 || pe >= numPes())
      throw std::out_of_range("charm: cannot create a chare on PE " + std::to_string(pe) +
                              "; PEs are 0.." + std::to_string(numPes() - 1));
    CollectionSpec spec;
    spec.kind = CollectionKind::Singleton;
    spec.onPe = pe;
    const CollectionId id = detail::newCollectionId();
    detail::createWithConstructor<T>(id, spec, args...);
    return ChareProxy(id, pe);
  }
};

}  // namespace charm
