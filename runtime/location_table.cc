#include "runtime/location_table.h"

namespace charm {

int LocationTable::route(CollectionId collection, const ArrayIndex& index, int home) const {
  if (entries_.empty()) return home;  // nothing ever moved: the common case, one branch
  auto it = entries_.find(ElementKey{collection, index});
  if (it == entries_.end()) return home;
  const Entry& e = it->second;
  if (e.cached >= 0) return e.cached;
  return home;
}

LocationTable::Decision LocationTable::whereNext(CollectionId collection, const ArrayIndex& index,
                                                 int home, int myPe) const {
  auto it = entries_.find(ElementKey{collection, index});
  if (it != entries_.end()) {
    const Entry& e = it->second;
    if (e.forwardTo >= 0 && e.forwardTo != myPe) return {Action::ForwardTo, e.forwardTo};
    if (myPe == home && e.record >= 0 && e.record != myPe) return {Action::ForwardTo, e.record};
  }
  if (myPe != home) return {Action::ForwardTo, home};
  // At home with no record elsewhere: the element is not created, inserted or
  // back yet; the message waits for it here.
  return {Action::Buffer, myPe};
}

void LocationTable::learn(CollectionId collection, const ArrayIndex& index, int pe) {
  entries_[ElementKey{collection, index}].cached = pe;
}

void LocationTable::record(CollectionId collection, const ArrayIndex& index, int pe) {
  Entry& e = entries_[ElementKey{collection, index}];
  e.record = pe;
  e.cached = pe;
}

void LocationTable::departed(CollectionId collection, const ArrayIndex& index, int to) {
  // Home keeps its record until the element confirms its arrival elsewhere; a
  // message reaching this PE meanwhile follows the forwarding pointer, and FIFO
  // order between this PE and `to` delivers it after the element.
  Entry& e = entries_[ElementKey{collection, index}];
  e.forwardTo = to;
  e.cached = to;
}

void LocationTable::arrived(CollectionId collection, const ArrayIndex& index, int myPe, bool iAmHome) {
  Entry& e = entries_[ElementKey{collection, index}];
  e.forwardTo = -1;
  e.cached = myPe;
  if (iAmHome) e.record = myPe;
}

}  // namespace charm
