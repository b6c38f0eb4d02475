// Entry methods named by member-function pointers: `&Hello::greet` is both the
// name used at call sites (`proxy.invoke<&Hello::greet>(...)`) and the key that
// registers the method at static initialisation. This header derives, from the
// pointer alone, the method's class, parameters and return type, a stable name,
// and the invoker that unpacks a message and calls the method. No code generator.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "charm/chare_base.h"
#include "charm/detail/entry_info.h"
#include "charm/detail/message.h"
#include "charm/detail/runtime_calls.h"
#include "charm/payload.h"
#include "charm/pup.h"

namespace charm {

// Specialise as true for entry methods that run on a fiber of their own, so they
// may wait (Future::get(), charm::waitQuiescence()):
//   template <> inline constexpr bool charm::runs_on_fiber<&Main::run> = true;
template <auto Method>
inline constexpr bool runs_on_fiber = false;

template <class>
struct MethodTraits;
template <class C, class R, class... A>
struct MethodTraits<R (C::*)(A...)> {
  using Class = C;
  using Return = R;
  using Params = std::tuple<std::decay_t<A>...>;
  static constexpr std::size_t arity = sizeof...(A);
};
template <class C, class R, class... A>
struct MethodTraits<R (C::*)(A...) noexcept> : MethodTraits<R (C::*)(A...)> {};
template <class C, class R, class... A>
struct MethodTraits<R (C::*)(A...) const> : MethodTraits<R (C::*)(A...)> {};
template <class C, class R, class... A>
struct MethodTraits<R (C::*)(A...) const noexcept> : MethodTraits<R (C::*)(A...)> {};

namespace detail {

// Names stable across PEs and independent of static-init order: the compiler's
// spelling of the template argument plus the mangled type of the pointer.
template <auto Method>
std::string entryName() {
  return std::string(__PRETTY_FUNCTION__) + "|" + typeid(decltype(Method)).name();
}
template <class T>
std::string chareTypeName() {
  return __PRETTY_FUNCTION__;
}
template <class T, class... Args>
std::string constructorName() {
  return __PRETTY_FUNCTION__;
}

template <class Tuple>
struct IsPayloadOnly : std::false_type {};
template <>
struct IsPayloadOnly<std::tuple<Payload>> : std::true_type {};

template <class Tuple>
struct UnpackTuple;
template <class... Ts>
struct UnpackTuple<std::tuple<Ts...>> {
  static std::tuple<Ts...> from(const std::byte* data, std::size_t size) {
    if constexpr (sizeof...(Ts) == 0) {
      return {};
    } else {
      return unpackTuple<Ts...>(data, size);
    }
  }
};

// An argument as the parameter type it will be unpacked as: the argument itself
// when the types match (no copy), a converted temporary otherwise, so the bytes on
// the wire always follow the declared parameter types.
template <class Param, class Arg>
decltype(auto) asParam(const Arg& arg) {
  if constexpr (std::is_same_v<std::decay_t<Arg>, Param>)
    return (arg);
  else
    return Param(arg);
}

template <class Params, class... Args, std::size_t... I>
MessageBuffer packAs(std::index_sequence<I...>, const Args&... args) {
  auto pack = [](const auto&... converted) {
    if constexpr (sizeof...(converted) == 0) {
      return newMessage(MessageKind::EntryCall, 0);
    } else {
      const std::size_t size = packedSize(converted...);
      MessageBuffer m = newMessage(MessageKind::EntryCall, size);
      packInto(payloadOf(m), size, converted...);
      return m;
    }
  };
  return pack(asParam<std::tuple_element_t<I, Params>>(args)...);
}

// Packs `args` as the parameters of `Params` into a new message.
template <class Params, class... Args>
MessageBuffer packArguments(Args&&... args) {
  static_assert(std::tuple_size_v<Params> == sizeof...(Args),
                "charm: wrong number of arguments for this entry method");
  if constexpr (IsPayloadOnly<Params>::value) {
    return std::move(args...).release();
  } else {
    return packAs<Params>(std::make_index_sequence<sizeof...(Args)>{}, args...);
  }
}

// Packs a return value (or nothing) and sends it to the waiting future.
template <class R>
void replyWith(FutureRef reply, const R& value) {
  const std::size_t size = packedSize(value);
  MessageBuffer m = newMessage(MessageKind::FutureValue, size);
  packInto(payloadOf(m), size, value);
  sendFutureValue(reply, std::move(m));
}
inline void replyEmpty(FutureRef reply) {
  sendFutureValue(reply, newMessage(MessageKind::FutureValue, 0));
}

template <auto Method, class Object, class Args>
void callAndReply(Object* self, Args&& args, FutureRef reply) {
  using R = typename MethodTraits<decltype(Method)>::Return;
  auto call = [self](auto&&... a) -> decltype(auto) { return (self->*Method)(std::move(a)...); };
  if constexpr (std::is_void_v<R>) {
    std::apply(call, std::forward<Args>(args));
    if (reply.valid()) replyEmpty(reply);
  } else {
    R result = std::apply(call, std::forward<Args>(args));
    if (reply.valid()) replyWith(reply, result);
  }
}

template <auto Method>
void invokeEntry(ChareBase* object, InvokeContext& ctx) {
  using Traits = MethodTraits<decltype(Method)>;
  using Class = typename Traits::Class;
  auto* self = static_cast<Class*>(object);
  if constexpr (IsPayloadOnly<typename Traits::Params>::value) {
    Payload p = ctx.adoptable ? Payload::adopt(std::move(*ctx.adoptable))
                              : Payload::copyOf(ctx.payload, ctx.payloadSize);
    callAndReply<Method>(self, std::make_tuple(std::move(p)), ctx.reply);
  } else {
    auto args = UnpackTuple<typename Traits::Params>::from(ctx.payload, ctx.payloadSize);
    if constexpr (runs_on_fiber<Method>) {
      spawnFiber([self, args = std::move(args), reply = ctx.reply]() mutable {
        callAndReply<Method>(self, std::move(args), reply);
      });
    } else {
      callAndReply<Method>(self, std::move(args), ctx.reply);
    }
  }
}

template <class T, class... Args>
std::unique_ptr<ChareBase> constructChare(InvokeContext& ctx) {
  auto args = UnpackTuple<std::tuple<Args...>>::from(ctx.payload, ctx.payloadSize);
  return std::apply([](auto&&... a) { return std::unique_ptr<ChareBase>(std::make_unique<T>(std::move(a)...)); },
                    std::move(args));
}

template <class T>
concept HasPup = requires(T& t, Pup& p) { t.pup(p); };
// C++ chares migrate when they can be default-constructed on the new PE and
// their state packed with pup().
template <class T>
concept CanMigrate = std::is_default_constructible_v<T> && HasPup<T>;

// Rebuilds a migrated chare: default-constructs it (the runtime has set the
// construction context), then unpacks the state its pup() packed.
template <class T>
std::unique_ptr<ChareBase> constructMigrated(InvokeContext& ctx) {
  auto object = std::make_unique<T>();
  Pup p = Pup::unpacker(ctx.payload, ctx.payloadSize);
  object->pup(p);
  return object;
}

}  // namespace detail

// The registry entry of an entry method; registered during static initialisation
// of every program that names the method anywhere.
template <auto Method>
struct Entry {
  using Traits = MethodTraits<decltype(Method)>;
  static EntryInfo* const info;
  static EntryId id() { return info->id; }
};
template <auto Method>
EntryInfo* const Entry<Method>::info = detail::registerEntry(
    detail::entryName<Method>(), &detail::invokeEntry<Method>,
    detail::chareTypeName<typename MethodTraits<decltype(Method)>::Class>(), runs_on_fiber<Method>);

// The registry entry of the constructor of T taking Args.
template <class T, class... Args>
struct ConstructorEntry {
  static EntryInfo* const info;
  static EntryId id() { return info->id; }
};
template <class T, class... Args>
EntryInfo* const ConstructorEntry<T, Args...>::info = detail::registerConstructor(
    detail::constructorName<T, Args...>(), &detail::constructChare<T, Args...>,
    detail::chareTypeName<T>());

// The constructor entry that rebuilds a T that migrated to this PE.
template <class T>
struct MigrationEntry {
  static EntryInfo* const info;
  static EntryId id() { return info->id; }
};
template <class T>
EntryInfo* const MigrationEntry<T>::info = detail::registerConstructor(
    detail::chareTypeName<T>() + "|migrated", &detail::constructMigrated<T>, detail::chareTypeName<T>());

}  // namespace charm
