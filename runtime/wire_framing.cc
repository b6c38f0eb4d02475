#include "runtime/wire_framing.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "runtime/allreduce_manager.h"

namespace charm {

namespace {
[[noreturn, gnu::cold]] void corrupt(const char* what, std::uint64_t value, std::size_t size) {
  throw PupError(std::string("charm: corrupt ") + what + " (" + std::to_string(value) + ") in a " +
                 std::to_string(size) + "-byte payload");
}

bool validNumeric(ReducerKind kind, ValueType type, std::uint8_t shape) {
  return kind <= ReducerKind::Custom && type <= ValueType::Double &&
         shape <= static_cast<std::uint8_t>(ReductionValue::Shape::FixedArray);
}
}  // namespace

MigrationFraming readMigrationFraming(const std::byte* payload, std::size_t size) {
  std::uint64_t runtimeBytes = 0;
  if (size < sizeof runtimeBytes) corrupt("migration message size", size, size);
  std::memcpy(&runtimeBytes, payload, sizeof runtimeBytes);
  if (runtimeBytes > size - sizeof runtimeBytes || userStateOffset(runtimeBytes) > size)
    corrupt("migration runtime state size", runtimeBytes, size);
  return {static_cast<std::size_t>(runtimeBytes), userStateOffset(static_cast<std::size_t>(runtimeBytes))};
}

SectionRouting readSectionRouting(const std::byte* payload, std::size_t size, std::size_t& header) {
  std::uint64_t headerField = 0;
  if (size < sizeof headerField) corrupt("section broadcast size", size, size);
  std::memcpy(&headerField, payload, sizeof headerField);
  if (headerField < sizeof headerField || headerField > size)
    corrupt("section broadcast header size", headerField, size);
  header = static_cast<std::size_t>(headerField);
  SectionRouting routing;
  Pup p = Pup::unpacker(payload + sizeof headerField, header - sizeof headerField);
  p | routing;
  return routing;
}

ForwardedAllReduce readForwardedAllReduce(const std::byte* payload, std::size_t size) {
  ForwardedAllReduce r;
  if (size < sizeof r.value) corrupt("allreduce result size", size, size);
  std::memcpy(static_cast<void*>(&r.value), payload, sizeof r.value);
  r.value.data = nullptr;  // the sender's pointers mean nothing here
  r.value.form = {};
  if (!validNumeric(r.value.kind, r.value.type, r.value.shape))
    corrupt("allreduce result type", static_cast<std::uint64_t>(r.value.type), size);
  Pup p = Pup::unpacker(payload + sizeof r.value, size - sizeof r.value);
  p | r.callback;
  r.header = (sizeof r.value + p.offset() + 15) & ~std::size_t{15};
  if (r.header > size) corrupt("allreduce result header size", r.header, size);
  // Only numeric results are read as values; the others go on as bytes.
  if (isNumericReducer(r.value.kind) && r.value.type != ValueType::None) {
    const bool counted = r.value.shape == static_cast<std::uint8_t>(ReductionValue::Shape::Vector);
    const std::size_t available = size - r.header - (counted ? std::min(size - r.header, sizeof(std::uint64_t)) : 0);
    if ((counted && size - r.header < sizeof(std::uint64_t)) ||
        r.value.length > available / valueTypeSize(r.value.type))
      corrupt("allreduce result length", r.value.length, size);
  }
  return r;
}

void checkAllReducePartial(const std::byte* payload, std::size_t size) {
  if (size < sizeof(AllReduceHeader)) corrupt("allreduce partial size", size, size);
  AllReduceHeader h;
  std::memcpy(&h, payload, sizeof h);
  if (!validNumeric(h.kind, h.type, h.shape) || h.step > 63)
    corrupt("allreduce partial header", static_cast<std::uint64_t>(h.type), size);
  const std::size_t valueBytes = size - sizeof h;
  const std::size_t typeSize = h.type == ValueType::None ? 0 : valueTypeSize(h.type);
  // valueBytes == length * typeSize, without the product overflowing.
  if (typeSize == 0 ? valueBytes != 0 : h.length != valueBytes / typeSize || valueBytes % typeSize != 0)
    corrupt("allreduce partial length", h.length, size);
}

}  // namespace charm
