// PendingMessages: this PE's messages that arrived before what they are for
// exists here, each held under the key of what it waits for: a collection not
// created here yet, an element not at its home yet, an element's earlier
// broadcast, a section not known here yet, a sparse array's ckDoneInserting count.
// One rule for all of them: when what they wait for appears, release() hands them
// back in arrival order and the runtime runs each through its one dispatch again
// (Runtime::dispatch). Broadcasts waiting for their turn at an element are the
// ordered case: held by broadcast number, released one number at a time.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "runtime/element_key.h"
#include "charm/detail/message.h"

namespace charm {

class PendingMessages {
 public:
  enum class Awaiting : std::uint8_t {
    Collection,      // its creation on this PE; id: the collection
    Element,         // the element, at its home; id and index: the element
    BroadcastTurn,   // the element's earlier broadcasts; ordered by broadcast number
    Section,         // the section becoming known here; id: the section
    InsertionCount,  // PE 0: the end of a sparse array's ckDoneInserting count; id: the array
  };
  struct Key {
    Awaiting what;
    ElementKey of;  // collection or section id, and the element's index where one is meant
    friend bool operator==(const Key& a, const Key& b) { return a.what == b.what && a.of == b.of; }
  };
  static Key collection(CollectionId id) { return {Awaiting::Collection, ElementKey{id, {}}}; }
  static Key element(const ElementKey& e) { return {Awaiting::Element, e}; }
  static Key broadcastTurn(const ElementKey& e) { return {Awaiting::BroadcastTurn, e}; }
  static Key section(std::uint64_t id) { return {Awaiting::Section, ElementKey{id, {}}}; }
  static Key insertionCount(CollectionId id) { return {Awaiting::InsertionCount, ElementKey{id, {}}}; }

  // Holds `message` under `key`, after the messages held there already.
  void hold(const Key& key, MessageBuffer&& message);
  // Holds `message` under `key` as number `number` (a broadcast waiting for its turn).
  void holdNumbered(const Key& key, std::uint32_t number, MessageBuffer&& message);
  // What waited for `key`, in arrival (or number) order; nothing is held for it afterwards.
  std::vector<MessageBuffer> release(const Key& key);
  // The message held as `number` under `key`, or an empty buffer.
  MessageBuffer releaseNumbered(const Key& key, std::uint32_t number);
  // Releases every key for which `pred(key)` holds (e.g. all of a destroyed array's).
  template <class Pred>
  std::vector<MessageBuffer> releaseIf(Pred&& pred) {
    std::vector<MessageBuffer> out;
    for (auto it = held_.begin(); it != held_.end();) {
      if (!pred(it->first)) {
        ++it;
        continue;
      }
      for (auto& [order, m] : it->second) out.push_back(std::move(m));
      it = held_.erase(it);
    }
    return out;
  }
  bool holds(const Key& key) const { return !held_.empty() && held_.count(key) != 0; }
  bool empty() const noexcept { return held_.empty(); }

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return ElementKeyHash{}(k.of) + static_cast<std::size_t>(k.what);
    }
  };
  // Per key, by arrival counter (or broadcast number): never empty.
  std::unordered_map<Key, std::map<std::uint64_t, MessageBuffer>, KeyHash> held_;
  std::uint64_t arrivals_ = 0;
};

}  // namespace charm
