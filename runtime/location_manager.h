// LocationManager: where this PE's messages for migratable elements go, and the
// moves of its elements. It keeps the LocationTable (home records, forwarding
// pointers, cached locations), sends and applies location updates (an element's
// arrival reported to its home; a hint to a sender whose message had to be
// forwarded), forwards element messages along the table, and queues and carries
// out migrations (packing an element and sending it; its arrival is the
// Runtime's, as it constructs the element). It also sends the reduction
// contributions of elements away from the PE that counts them. Owned by the Runtime
// (Runtime::locations()).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "charm/callback.h"
#include "runtime/element_key.h"
#include "runtime/reduction_manager.h"
#include "runtime/location_table.h"
#include "charm/detail/message.h"
#include "runtime/envelope_flags.h"

namespace charm {

class Runtime;

class LocationManager {
 public:
  explicit LocationManager(Runtime& runtime) : runtime_(runtime) {}

  // --- routing ------------------------------------------------------------------
  // The PE to send a message for element (collection, index) to: where it was last
  // seen, else `home`.
  int route(CollectionId collection, const ArrayIndex& index, int home) const {
    return table_.route(collection, index, home);
  }
  // Where a message for an element not on this PE goes next (see LocationTable).
  LocationTable::Decision whereNext(CollectionId collection, const ArrayIndex& index, int home) const;
  // Sends an element message on to `pe`, marked as forwarded so that the PE
  // holding the element tells the original sender where it is.
  void forward(int pe, MessageBuffer message);
  // An element message reached its element here: if it was forwarded, tells its
  // original sender where the element is (once). One branch for the others.
  void delivered(Envelope& env) {
    if (env.flags & kForwardedToElement) [[unlikely]]
      tellSender(env);
  }

  // --- location records -----------------------------------------------------------
  // A migrated element landed here; `home` is its home PE (told, to keep its record).
  void arrived(CollectionId collection, const ArrayIndex& index, int home);
  // An element inserted away from its home was constructed here.
  void insertedHere(CollectionId collection, const ArrayIndex& index, int home);
  // Home: an element inserted here is constructed on `pe` (a record, as if it moved there).
  void placedOn(CollectionId collection, const ArrayIndex& index, int pe);
  // Throws PupError for a LocationUpdate naming a PE that does not exist.
  static void checkUpdate(const MessageBuffer& message, int numPes);
  // Applies a LocationUpdate (checked with checkUpdate).
  void applyUpdate(const MessageBuffer& message);

  // --- migration ------------------------------------------------------------------
  // Moves element `index` of `collection` (living on this PE) to PE `pe` once
  // the running entry method has returned (and, for an element with a suspended
  // coroutine, once that has finished). Messages, broadcasts and reductions
  // follow it. Throws std::out_of_range for a bad PE, std::invalid_argument for
  // groups, types that cannot migrate and elements set not migratable, and
  // std::logic_error for an element that is not on this PE. An element may ask
  // from its constructor: it moves once constructed.
  void requestMigration(CollectionId collection, const ArrayIndex& index, int pe);
  bool migrationsPending() const noexcept { return !pendingMigrations_.empty(); }
  // Moves the elements asked to move that can (no suspended coroutine); true if any left.
  bool runPendingMigrations();
  // Elements sent away, their bytes and the seconds spent packing them, since the
  // last call (for +LBDebug).
  struct MigrationCounts {
    std::uint64_t elements = 0, bytes = 0;
    double packSeconds = 0;
  };
  MigrationCounts takeMigrationCounts() { return std::exchange(sent_, MigrationCounts{}); }

  // --- contributions of elements away from their counting PE ------------------------
  // Sends a contribution to the reduction of `scope` to PE `countingPe`, which
  // counts it as one of its own (an element away from the PE that counts it).
  void sendRemoteContribution(int countingPe, std::uint64_t scope, std::uint8_t stream,
                              std::uint32_t number, const ReductionValue& value, const Callback& callback);
  // The same for an allreduce contribution (Callback::toAllElements) of element
  // `index`, sent to its home; the result comes back to this PE.
  void sendRemoteAllReduce(int home, CollectionId collection, const ArrayIndex& index, std::uint32_t number,
                           const ReductionValue& value, const Callback& callback);

  // Forgets everything kept for `collection` (destroyed).
  void forgetCollection(CollectionId collection);

 private:
  void tellSender(Envelope& env);
  struct PendingMigration {
    CollectionId collection;
    ArrayIndex index;
    int pe;
  };
  // Packs element `index` and sends it to `pe`, with the broadcasts it was holding.
  bool moveElement(CollectionId collection, const ArrayIndex& index, int pe);

  Runtime& runtime_;
  LocationTable table_;
  std::vector<PendingMigration> pendingMigrations_;
  MigrationCounts sent_;
};

}  // namespace charm
