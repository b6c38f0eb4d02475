// LocationTable: where this PE believes migratable elements are. Each element
// has a home PE (where its collection's map put it); the home always learns the
// element's current PE (a location record), the PE an element leaves keeps a
// forwarding pointer to where it went, and any PE may cache a location it was
// told. A message for an element goes to the cached PE, else home; a PE that
// receives a message for an element it does not hold forwards it along its
// forwarding pointer, else (at home) along the location record, else to home.
// FIFO order between two PEs makes a forwarded message arrive after the element.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "runtime/element_key.h"

namespace charm {

class LocationTable {
 public:
  // What to do with a message for an element not on this PE.
  enum class Action : std::uint8_t { ForwardTo, Buffer };
  struct Decision {
    Action action;
    int pe;  // ForwardTo: where
  };

  // The PE to send a message for (collection, index) to, given its home.
  int route(CollectionId collection, const ArrayIndex& index, int home) const;
  // A message for an element this PE does not hold arrived; `home` is its home PE.
  Decision whereNext(CollectionId collection, const ArrayIndex& index, int home, int myPe) const;

  // This PE heard that the element lives on `pe` (a hint for route()).
  void learn(CollectionId collection, const ArrayIndex& index, int pe);
  // Home only: the element confirmed its arrival on `pe`.
  void record(CollectionId collection, const ArrayIndex& index, int pe);
  // The element left this PE for `to`.
  void departed(CollectionId collection, const ArrayIndex& index, int to);
  // The element now lives on this PE (at home, also the record).
  void arrived(CollectionId collection, const ArrayIndex& index, int myPe, bool iAmHome);

  // Forgets every element of `collection` (destroyed).
  void forgetCollection(CollectionId collection) {
    std::erase_if(entries_, [collection](const auto& entry) { return entry.first.collection == collection; });
  }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int cached = -1;      // last location heard of (any PE)
    int forwardTo = -1;   // the element left this PE for there
    int record = -1;      // home only: where the element is now
  };
  std::unordered_map<ElementKey, Entry, ElementKeyHash> entries_;
};

}  // namespace charm
