// Wire framing: readers for the message payloads whose layout is not one Pup
// value but a size field followed by parts (migration state, section routing,
// forwarded allreduce results, allreduce partials). Each checks every length it
// reads against the bytes received and throws PupError on corrupt input, so a
// handler never reads outside its message nor allocates from a corrupt length.
// Kept apart from the handlers so the fuzz tests (tests/unit/test_fuzz_*.cc) can
// feed them bytes directly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "charm/callback.h"
#include "charm/reducer.h"
#include "charm/section.h"

namespace charm {

// MigrateElement: [u64 runtime bytes][collection spec + runtime state][pad to 16][user state].
struct MigrationFraming {
  std::size_t runtimeBytes = 0;  // of the runtime part, which starts at payload + 8
  std::size_t userOffset = 0;    // where the user state starts (16-byte aligned)
};
// Where a migration message's user state starts after `runtimeBytes` of runtime state.
constexpr std::size_t userStateOffset(std::size_t runtimeBytes) {
  return (sizeof(std::uint64_t) + runtimeBytes + 15) & ~std::size_t{15};
}
MigrationFraming readMigrationFraming(const std::byte* payload, std::size_t size);

// SectionBroadcastRequest, SectionBroadcast: [u64 header bytes][packed
// SectionRouting][pad to 16] then the caller's payload; `header` gets where it starts.
SectionRouting readSectionRouting(const std::byte* payload, std::size_t size, std::size_t& header);

// AllReduceResult: [NumericSpan][packed Callback][pad to 16][result]. The span's
// pointers are cleared; the result must hold its values ([u64 count] first for a
// counted vector).
struct ForwardedAllReduce {
  NumericSpan value;
  Callback callback;
  std::size_t header = 0;  // where the result starts
};
ForwardedAllReduce readForwardedAllReduce(const std::byte* payload, std::size_t size);

// AllReducePartial: the header's fields are in range and its values fill the
// payload exactly.
void checkAllReducePartial(const std::byte* payload, std::size_t size);

}  // namespace charm
