// CollectionManager: the collections (groups, arrays, sparse arrays, singleton
// chares) of one PE as the rest of the program asks for them: new ids, creation,
// lookup, sparse-array insertion, ckDestroy, and which element is being
// constructed right now. Owned by the Runtime (Runtime::collections()). The
// collections themselves and the messages about them stay with the Runtime's
// dispatch (runtime_collections.cc, runtime_insertion.cc, runtime_destroy.cc),
// which these calls reach without any cost of their own (inline forwarding,
// defined at the end of runtime.h).
#pragma once

#include "charm/detail/message.h"
#include "runtime/collection.h"

namespace charm {

class ChareBase;
class Runtime;

// The collection and index of the chare being constructed right now.
struct ConstructionContext {
  CollectionId collection = 0;
  ArrayIndex index;
  int home = -1;  // the element's home PE when it is not this PE (inserted elsewhere)
  // The element itself once its ChareBase part exists: its constructor may
  // already ask to migrate, before the element is in its collection's table.
  ChareBase* element = nullptr;
};

class CollectionManager {
 public:
  explicit CollectionManager(Runtime& runtime) : runtime_(runtime) {}

  // A new collection id, unique without communication.
  CollectionId newId();
  // Picks the PE for a singleton chare placed by the runtime (round robin).
  int placeSingleton();
  // Creates the collection described by `message` (a CreateCollection message
  // whose payload is the packed CollectionSpec followed by constructor args).
  void create(CollectionId id, const CollectionSpec& spec, MessageBuffer message);
  // The collection `id` as this PE knows it; null if it does not (yet).
  Collection* find(CollectionId id);
  // Calls `f(Collection&)` for every collection known here.
  template <class F>
  void forEach(F&& f);

  // The chare being constructed right now (see ConstructionContext).
  const ConstructionContext& constructionContext() const;
  // Called by ChareBase's constructor (see ConstructionContext::element).
  void constructionStarted(ChareBase& element);

  // --- sparse arrays (runtime_insertion.cc) ----------------------------------
  // Inserts element `index` into sparse array `collection`: constructed by the
  // constructor entry `constructor` from `message`'s payload (its packed
  // arguments) on PE `onPe`, or on its home when -1. `arrayMap` names the array's
  // map (a group; 0 for none), which then gives the home of every element (else a
  // hash of the index): a PE that does not know the array yet needs it to find
  // the home. Callable from any PE. Throws
  // std::invalid_argument for a wrong number of dimensions, an index already
  // inserted from this PE or a collection known here that is not a sparse array,
  // std::out_of_range for a bad PE, std::logic_error once insertion has ended
  // (as far as this PE knows). A duplicate inserted from another PE aborts at its
  // home, naming the index.
  void insert(CollectionId collection, const ArrayIndex& index, int onPe, EntryId constructor,
              MessageBuffer message, CollectionId arrayMap = 0);
  // Ends insertion into sparse array `collection` (from any PE): once every
  // insertion made before it has landed (quiescence), the elements are counted;
  // reductions over the array complete from then on, and broadcasts requested
  // after this call reach every inserted element.
  void doneInserting(CollectionId collection);

  // --- destroying arrays (runtime_destroy.cc) ----------------------------------
  // Destroys array `collection` on every PE (ckDestroy; callable from any PE):
  // each PE deletes its elements and forgets everything it keeps for the array
  // (locations, insertion and reduction state, sections over it, load records).
  // Messages this PE sent to the array before the call are delivered first;
  // calls made later from a PE that knows of the destroy throw
  // std::logic_error at the call, and messages that reach a PE after the array
  // was destroyed there raise at their reply future or abort the job naming it.
  // Throws std::invalid_argument for a group or singleton chare, std::logic_error
  // for an array already destroyed (as far as this PE knows).
  void destroy(CollectionId collection);

 private:
  Runtime& runtime_;
};

}  // namespace charm
