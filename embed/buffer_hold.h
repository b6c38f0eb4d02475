// Keeping Python buffers alive while the transport sends from them: a big array
// argument is not copied into the message but sent from its own memory
// (comm::ExternalPayload); the Py_buffer view held here keeps the array (and its
// memory) alive and is released once the send completed, on the PE's thread,
// which holds the GIL.
#pragma once

#include <memory>

#include "comm/transport.h"
#include "py_ref.h"

namespace charmpy {

// Arrays and buffers at least this large travel from their own memory, when
// nothing can change that memory (FastCodec::pack checks); others are copied.
inline constexpr std::size_t kExternalThreshold = std::size_t{64} << 10;

struct BufferHold {
  Py_buffer view{};
  BufferHold() = default;
  BufferHold(const BufferHold&) = delete;
  BufferHold& operator=(const BufferHold&) = delete;
  ~BufferHold() { PyBuffer_Release(&view); }
};

// An external payload over `view` (which it takes over).
inline charm::comm::ExternalPayload externalFromView(Py_buffer& view) {
  auto hold = std::make_shared<BufferHold>();
  hold->view = view;
  view = Py_buffer{};
  charm::comm::ExternalPayload tail;
  tail.data = static_cast<const std::byte*>(hold->view.buf);
  tail.size = static_cast<std::size_t>(hold->view.len);
  tail.keepAlive = std::move(hold);
  return tail;
}

}  // namespace charmpy
