// The large-message protocol shared by MessageBuffer (which sizes blocks for it)
// and MpiTransport (which sends with it). MPI counts are `int`, so a message of
// more than INT_MAX bytes cannot be sent as MPI_BYTEs. Such a message travels as
// a whole number of fixed-size blocks (one contiguous derived datatype), and the
// true byte size rides in the last 8 bytes of the last block (the "trailer"),
// which lies in the buffer's padding beyond size(). So a buffer that may take
// the large path needs capacity >= largeMessageWireBytes(size).
#pragma once

#include <cstddef>
#include <cstdint>

namespace charm::comm {

// Size of one block of the derived datatype.
inline constexpr std::size_t kLargeMessageBlock = std::size_t{1} << 20;
// Bytes reserved at the end of the last block for the true message size.
inline constexpr std::size_t kLargeMessageTrailer = sizeof(std::uint64_t);

// Messages with size() above this many bytes take the large path. INT_MAX by
// default; the environment variable CHARMRT_LARGE_MESSAGE_THRESHOLD (bytes) lowers
// it, so tests exercise the large path with small messages. Read once per process.
std::size_t largeMessageThreshold() noexcept;

// Bytes put on the wire for a large message of `size` bytes: size + trailer,
// rounded up to whole blocks.
constexpr std::size_t largeMessageWireBytes(std::size_t size) noexcept {
  return (size + kLargeMessageTrailer + kLargeMessageBlock - 1) / kLargeMessageBlock *
         kLargeMessageBlock;
}

}  // namespace charm::comm
