// charm::Future<T>: a value that will arrive later, from any PE. Created on the
// PE that will wait for it (Future<T>::make()), passed around freely (it is two
// numbers), set once from anywhere with set(value) or used as the callback of a
// reduction or quiescence detection. get() suspends the calling fiber until the
// value is there; the scheduler keeps running meanwhile.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "charm/callback.h"
#include "charm/detail/envelope.h"
#include "charm/detail/message.h"
#include "charm/detail/runtime_calls.h"
#include "charm/pup.h"

namespace charm {

template <class T = void>
class Future {
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

 public:
  Future() = default;  // refers to nothing; pup target
  explicit Future(FutureRef ref) : ref_(ref) {}

  // A new future owned by the calling PE.
  static Future make() {
    Future f(detail::newFuture());
    f.cache_ = std::make_shared<std::optional<Stored>>();
    return f;
  }

  FutureRef ref() const { return ref_; }
  bool valid() const { return ref_.valid(); }
  // The callback that sets this future (for reductions and quiescence).
  Callback callback() const { return Callback::toFuture(ref_); }

  // Waits for the value (from a fiber, on the owning PE). May be called again:
  // later calls return the same value.
  T get() {
    if (!cache_)
      throw std::logic_error("charm: Future::get() must be called on the PE that made the future");
    if (!cache_->has_value()) {
      MessageBuffer m = detail::takeFutureValue(ref_.id);
      if constexpr (std::is_void_v<T>)
        cache_->emplace();
      else
        cache_->emplace(unpackAs<T>(payloadOf(m), payloadSizeOf(m)));
    }
    if constexpr (!std::is_void_v<T>) return **cache_;
  }

  // Whether get() would return without waiting.
  bool ready() const {
    return cache_ && (cache_->has_value() || detail::futureReady(ref_.id));
  }

  // Sets the value; callable once, from any PE.
  template <class U = T>
    requires(!std::is_void_v<U>)
  void set(const U& value) const {
    const std::size_t size = packedSize(value);
    MessageBuffer m = newMessage(MessageKind::FutureValue, size);
    packInto(payloadOf(m), size, value);
    detail::sendFutureValue(checked(), std::move(m));
  }
  template <class U = T>
    requires std::is_void_v<U>
  void set() const {
    detail::sendFutureValue(checked(), newMessage(MessageKind::FutureValue, 0));
  }

  void pup(Pup& p) {
    p | ref_.pe;
    p | ref_.id;
  }

 private:
  FutureRef checked() const {
    if (!ref_.valid()) throw std::logic_error("charm: Future::set() on an empty future");
    return ref_;
  }
  FutureRef ref_;
  std::shared_ptr<std::optional<Stored>> cache_;  // on the owning PE only
};

}  // namespace charm
