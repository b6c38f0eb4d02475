// What the embedded layer refuses in a message from another PE
// (EmbeddingHooks::incomingProblem): payloads that are only meaningful on the PE that made them
// (a PyObject* of a by-reference call or future value) and future values of no
// known format. A corrupt message with them would otherwise be read as a pointer.
#include "module_support.h"

namespace charmpy {

const char* incomingProblem(const charm::Envelope& env) {
  if (env.kind != charm::MessageKind::FutureValue)
    return (env.flags & kCallByReference) ? "a by-reference call (same-PE only) arrived from another PE" : nullptr;
  if (!(env.flags & charm::kExternalFutureFlag)) return nullptr;
  const auto format = static_cast<FutureFormat>(env.flags & kFutureFormatMask);
  if (format == FutureFormat::ByReference) return "a by-reference future value (same-PE only) arrived from another PE";
  if (format < FutureFormat::Pickled || format > FutureFormat::NumericReduction) return "unknown future value format";
  return nullptr;
}

}  // namespace charmpy
