// Callback: where a result goes (a reduction's result, quiescence, a future's
// value): an entry method of one element, an entry method broadcast to a whole
// collection, every element of the contributing collection (an allreduce), a
// future, program exit, or nowhere. Plain data, so it travels inside
// messages; the Runtime fires it with the result bytes as the payload.
#pragma once

#include <cstdint>

#include "charm/detail/envelope.h"
#include "charm/pup.h"

namespace charm {

class Callback {
 public:
  enum class Kind : std::uint8_t { Ignore, Exit, Future, Element, Broadcast, AllElements };

  Callback() = default;  // ignores the result
  static Callback ignore() { return Callback{}; }
  // Ends the program (exit code 0) when fired.
  static Callback exitProgram() {
    Callback c;
    c.kind_ = Kind::Exit;
    return c;
  }
  // `flags` go into the envelope of the FutureValue message (they tell the
  // embedded Python layer how to decode the value; C++ futures use 0).
  static Callback toFuture(FutureRef f, std::uint8_t flags = 0) {
    Callback c;
    c.kind_ = Kind::Future;
    c.pe_ = f.pe;
    c.future_ = f.id;
    c.flags_ = flags;
    return c;
  }
  static Callback toElement(CollectionId collection, const ArrayIndex& index, int pe, EntryId entry) {
    Callback c;
    c.kind_ = Kind::Element;
    c.collection_ = collection;
    c.index_ = index;
    c.pe_ = pe;
    c.entry_ = entry;
    return c;
  }
  static Callback toBroadcast(CollectionId collection, EntryId entry) {
    Callback c;
    c.kind_ = Kind::Broadcast;
    c.collection_ = collection;
    c.entry_ = entry;
    return c;
  }

  // An allreduce: a numeric or empty reduction over `collection` whose result
  // goes to `entry` of every element of that same collection. The PEs swap
  // partials pairwise instead of going through PE 0 (see AllReduceManager), so
  // only the contributing collection may be named. `flags` with
  // kExternalFutureFlag hand the result to the embedding layer instead (entry
  // unused).
  static Callback toAllElements(CollectionId collection, EntryId entry, std::uint8_t flags = 0) {
    Callback c;
    c.kind_ = Kind::AllElements;
    c.collection_ = collection;
    c.entry_ = entry;
    c.flags_ = flags;
    return c;
  }

  Kind kind() const { return kind_; }
  int pe() const { return pe_; }
  std::uint64_t futureId() const { return future_; }
  CollectionId collection() const { return collection_; }
  const ArrayIndex& index() const { return index_; }
  EntryId entry() const { return entry_; }
  std::uint8_t flags() const { return flags_; }

  friend bool operator==(const Callback& a, const Callback& b) {
    return a.kind_ == b.kind_ && a.pe_ == b.pe_ && a.future_ == b.future_ &&
           a.collection_ == b.collection_ && a.index_ == b.index_ && a.entry_ == b.entry_ && a.flags_ == b.flags_;
  }

  void pup(Pup& p) {
    p | kind_;
    p | pe_;
    p | future_;
    p | collection_;
    p | index_;
    p | entry_;
    p | flags_;
  }

 private:
  Kind kind_ = Kind::Ignore;
  std::int32_t pe_ = -1;
  std::uint64_t future_ = 0;
  CollectionId collection_ = 0;
  ArrayIndex index_;
  EntryId entry_ = kNoEntry;
  std::uint8_t flags_ = 0;
};

}  // namespace charm
