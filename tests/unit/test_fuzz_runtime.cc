// Fuzz tests of the runtime's decoders of bytes from other PEs: the envelope
// checks on arrival, every Pup-encoded payload a handler unpacks (callbacks,
// quiescence and insertion counts, collection specs, reduction partials and
// contributions, gathered values, entry arguments) and the size-prefixed
// framings (migration state, section routing, allreduce results and partials).
// Seeds come from the real encoders; tests/fuzz/fuzz_inputs.h makes the
// truncated, bit-flipped, overwritten and random inputs. Every input must decode
// or throw a std::exception, never crash, read outside the input (ASan) or
// allocate more than the input could describe.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>
#include <utility>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <tuple>
#include <vector>

#include "../fuzz/fuzz_inputs.h"
#include "runtime/allreduce_manager.h"
#include "comm/in_process_transport.h"
#include "charm/callback.h"
#include "charm.h"
#include "runtime/collection.h"
#include "charm/detail/message.h"
#include "charm/pup.h"
#include "charm/reducer.h"
#include "runtime/reduction_manager.h"
#include "runtime/runtime.h"
#include "charm/section.h"
#include "runtime/wire_framing.h"

// The largest single allocation made while decoding, to catch a size taken from
// the input without a bound (watched only inside a fuzz loop). Not under ASan,
// whose own operator new must pair with its operator delete everywhere.
#ifndef __SANITIZE_ADDRESS__
#define CHARM_FUZZ_WATCH_ALLOCATIONS 1
#endif
namespace {
std::atomic<bool> watching{false};
std::atomic<std::size_t> largestAllocation{0};
#ifdef CHARM_FUZZ_WATCH_ALLOCATIONS
void* allocate(std::size_t n) {
  if (watching.load(std::memory_order_relaxed) && n > largestAllocation.load(std::memory_order_relaxed))
    largestAllocation.store(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
#endif
}  // namespace
#ifdef CHARM_FUZZ_WATCH_ALLOCATIONS
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

using charm::fuzz::Bytes;
using namespace charm;

// No decoded input may make an allocation this large: every seed is far smaller,
// and every length is bounded by the bytes received.
constexpr std::size_t kAllocationLimit = std::size_t{1} << 20;

// Runs `decode` on the fuzz inputs; a std::exception is a correct rejection
// (counted), anything else (or an allocation beyond the limit) fails the test.
template <class Decode>
void fuzzDecoder(const char* name, const std::vector<Bytes>& seeds, std::uint64_t randomInputs, std::uint64_t seed,
                 Decode&& decode) {
  std::uint64_t errors = 0;
  largestAllocation = 0;
  watching = true;
  const std::uint64_t n = fuzz::fuzz(name, seeds, randomInputs, seed, [&](const std::byte* data, std::size_t size) {
    try {
      decode(data, size);
    } catch (const std::bad_alloc&) {
      watching = false;
      FAIL(name << ": allocation failure decoding " << size << " bytes");
    } catch (const std::exception&) {
      ++errors;
    }
  });
  watching = false;
  std::printf("fuzz %s: %llu of them rejected with an error\n", name, static_cast<unsigned long long>(errors));
  INFO(name << ": largest allocation " << largestAllocation.load());
  CHECK(largestAllocation.load() <= kAllocationLimit);
  CHECK(errors > 0);  // the corrupt inputs were noticed at all
  CHECK(errors < n);  // and some (the seeds at least) decoded
}

template <class... Ts>
Bytes packed(const Ts&... values) {
  Bytes b(packedSize(values...));
  packInto(b.data(), b.size(), values...);
  return b;
}

// Reads every byte of [p, p + n), as a handler using the data in place would.
volatile unsigned sink = 0;
void touch(const std::byte* p, std::size_t n) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<unsigned>(p[i]);
  sink = sum;
}

std::vector<ReductionValue> sampleValues() {
  std::vector<ReductionValue> v;
  v.push_back(ReductionValue::numeric(ReducerKind::Sum, 42));
  v.push_back(ReductionValue::numeric(ReducerKind::Max, std::vector<double>{1.5, -2, 3e9}));
  v.push_back(ReductionValue::numeric(ReducerKind::LogicalAnd, std::vector<std::uint8_t>{1, 0, 1}));
  v.push_back(ReductionValue::numeric(ReducerKind::Product, std::array<std::int16_t, 3>{2, 3, 4}));
  v.push_back(ReductionValue::gather(ArrayIndex{3, 1}, std::string("a gathered string")));
  ReductionValue g = ReductionValue::gather(ArrayIndex{0}, std::vector<int>{1, 2, 3});
  g.combine(ReductionValue::gather(ArrayIndex{5}, std::vector<int>{4}));
  v.push_back(g);
  v.push_back(ReductionValue::nop());
  v.push_back(ReductionValue::identity(ReducerKind::Min));
  ReductionValue tagged = ReductionValue::numeric(ReducerKind::Sum, std::vector<std::int64_t>{7, 8});
  tagged.setTag("tag");
  tagged.setForm("ndarray:(2,):int64");
  v.push_back(tagged);
  return v;
}

std::vector<Callback> sampleCallbacks() {
  return {Callback::ignore(), Callback::exitProgram(), Callback::toFuture(FutureRef{1, 99}, kExternalFutureFlag | 1),
          Callback::toElement(0x100000002ull, ArrayIndex{4, 5, 6}, 2, 7), Callback::toBroadcast(12, 3),
          Callback::toAllElements(5, 1)};
}

// Uses a decoded value the way a handler would, so that reads of its data are checked too.
void exercise(const ReductionValue& value) {
  const std::vector<std::byte> result = value.resultBytes();
  ReductionValue twice = value;
  twice.combine(value);
  (void)result;
}

TEST_CASE("fuzz: envelopes of messages from other PEs", "[fuzz]") {
  std::vector<Bytes> seeds;
  for (MessageKind kind : {MessageKind::EntryCall, MessageKind::Broadcast, MessageKind::ReductionPartial,
                           MessageKind::MigrateElement, MessageKind::InsertionCount}) {
    MessageBuffer m = newMessage(kind, 24);
    std::memset(payloadOf(m), 0x5a, 24);
    envelopeOf(m).sourcePe = 1;
    envelopeOf(m).index = ArrayIndex{1, 2};
    seeds.emplace_back(m.data(), m.data() + m.size());
  }
  MessageBuffer empty = newMessage(MessageKind::Exit, 0);
  envelopeOf(empty).sourcePe = 1;
  seeds.emplace_back(empty.data(), empty.data() + empty.size());
  fuzzDecoder("envelope", seeds, 100000, 1, [](const std::byte* data, std::size_t size) {
    MessageBuffer m = MessageBuffer::allocate(size);
    if (size) std::memcpy(m.data(), data, size);
    if (const char* problem = envelopeProblem(m, 1, 4)) throw std::runtime_error(problem);
    const Envelope& env = envelopeOf(m);
    // What the handlers then rely on.
    REQUIRE(env.payloadSize == size - kPayloadOffset);
    REQUIRE(env.index.ndims >= 0);
    REQUIRE(env.index.ndims <= kMaxIndexDims);
    REQUIRE(std::string(messageKindName(env.kind)) != "?");
  });
}

TEST_CASE("fuzz: callbacks, counts, specs and gathered values", "[fuzz]") {
  std::vector<Bytes> callbacks;
  for (const Callback& c : sampleCallbacks()) callbacks.push_back(packed(c));
  fuzzDecoder("callback (QuiescenceStart)", callbacks, 50000, 2,
              [](const std::byte* d, std::size_t n) { (void)unpackAs<Callback>(d, n); });

  const std::vector<Bytes> counts = {packed(std::uint64_t{5}, std::uint64_t{3}, true),
                                     packed(std::vector<std::uint64_t>{1, 2, 3, 4}),
                                     packed(std::vector<std::uint64_t>{})};
  fuzzDecoder("insertion counts (InsertionCount)", counts, 30000, 3,
              [](const std::byte* d, std::size_t n) { (void)unpackAs<std::vector<std::uint64_t>>(d, n); });
  fuzzDecoder("quiescence counts (QuiescenceReply)", counts, 20000, 4, [](const std::byte* d, std::size_t n) {
    (void)unpackTuple<std::uint64_t, std::uint64_t, bool>(d, n);
  });

  std::vector<Bytes> specs;
  CollectionSpec array;
  array.kind = CollectionKind::Array;
  array.constructor = 3;
  array.dims = ArrayIndex{4, 4};
  array.useAtSync = true;
  CollectionSpec group;
  group.kind = CollectionKind::Group;
  group.onPes = {0, 2, 3};
  CollectionSpec singleton;
  singleton.kind = CollectionKind::Singleton;
  singleton.onPe = 1;
  for (const CollectionSpec& s : {array, group, singleton})
    specs.push_back(packed(s, 17, std::string("constructor args"), std::vector<double>{1, 2}));
  fuzzDecoder("collection spec + arguments (CreateCollection)", specs, 50000, 5, [](const std::byte* d, std::size_t n) {
    Pup p = Pup::unpacker(d, n);
    CollectionSpec spec;
    p | spec;
    (void)unpackTuple<int, std::string, std::vector<double>>(d + p.offset(), n - p.offset());
  });

  const std::vector<Bytes> gathered = {packed(std::vector<std::string>{"one", "", std::string(100, 'x')}),
                                       packed(std::vector<std::string>{})};
  fuzzDecoder("gathered values (FutureValue)", gathered, 30000, 6,
              [](const std::byte* d, std::size_t n) { (void)unpackAs<std::vector<std::string>>(d, n); });

  const std::vector<Bytes> args = {
      packed(1, 2.5, std::string("x"), std::map<std::string, std::vector<int>>{{"a", {1}}, {"b", {}}},
             std::optional<std::int16_t>{3}, std::variant<int, std::string>{std::string("v")}),
      packed(-1, 0.0, std::string(), std::map<std::string, std::vector<int>>{}, std::optional<std::int16_t>{},
             std::variant<int, std::string>{4})};
  fuzzDecoder("entry arguments (EntryCall)", args, 50000, 7, [](const std::byte* d, std::size_t n) {
    (void)unpackTuple<int, double, std::string, std::map<std::string, std::vector<int>>, std::optional<std::int16_t>,
                      std::variant<int, std::string>>(d, n);
  });
}

TEST_CASE("fuzz: reduction partials and contributions", "[fuzz]") {
  const auto values = sampleValues();
  const auto callbacks = sampleCallbacks();
  std::vector<Bytes> partials, contributions, allreduces;
  SectionSpec section;
  section.id = kSectionIdBit | 3;
  section.root = 1;
  section.members = {SectionMember{7, ArrayIndex{1}, 0}, SectionMember{7, ArrayIndex{2}, 3}};
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Callback& c = callbacks[i % callbacks.size()];
    partials.push_back(packed(i % 2 == 0, c, values[i]));
    contributions.push_back(packed(c, values[i], section));
    allreduces.push_back(packed(c, values[i]));
  }
  fuzzDecoder("reduction partial (ReductionPartial)", partials, 100000, 8, [](const std::byte* d, std::size_t n) {
    exercise(ReductionManager::decodePartial(d, n).value);
  });
  fuzzDecoder("remote contribution (RemoteContribution)", contributions, 60000, 9,
              [](const std::byte* d, std::size_t n) {
                auto [callback, value, spec] = unpackTuple<Callback, ReductionValue, SectionSpec>(d, n);
                exercise(value);
              });
  fuzzDecoder("remote allreduce contribution (RemoteAllReduce)", allreduces, 40000, 10,
              [](const std::byte* d, std::size_t n) {
                auto [callback, value] = unpackTuple<Callback, ReductionValue>(d, n);
                (void)value.span();
              });
}

TEST_CASE("fuzz: framed payloads (migration, sections, allreduce)", "[fuzz]") {
  // Migration: [u64 runtime bytes][spec + runtime state][pad][user state].
  std::vector<Bytes> migrations;
  CollectionSpec spec;
  spec.constructor = 2;
  spec.dims = ArrayIndex{8};
  for (std::size_t user : {0, 5, 48}) {
    const std::unordered_map<SectionId, std::uint32_t> sectionReductions{{kSectionIdBit | 1, 4}};
    const Bytes runtime = packed(spec, std::uint32_t{3}, sectionReductions, std::uint32_t{2}, true, 1,
                                 std::uint32_t{0}, 0.25);
    const std::size_t offset = userStateOffset(runtime.size());
    Bytes b(offset + user, std::byte{0x33});
    const std::uint64_t header = runtime.size();
    std::memcpy(b.data(), &header, sizeof header);
    std::memcpy(b.data() + sizeof header, runtime.data(), runtime.size());
    migrations.push_back(b);
  }
  fuzzDecoder("migration state (MigrateElement)", migrations, 60000, 11, [](const std::byte* d, std::size_t n) {
    const MigrationFraming f = readMigrationFraming(d, n);
    REQUIRE(f.userOffset <= n);
    Pup p = Pup::unpacker(d + sizeof(std::uint64_t), f.runtimeBytes);
    CollectionSpec s;
    p | s;
    std::uint32_t nextReduction = 0, nextBroadcast = 0, syncCount = 0;
    std::unordered_map<SectionId, std::uint32_t> sectionReductions;
    bool migratable = false;
    int home = 0;
    double load = 0;
    p | nextReduction | sectionReductions | nextBroadcast | migratable | home | syncCount | load;
    touch(d + f.userOffset, n - f.userOffset);  // the user state is read in place
  });

  // Section broadcasts: [u64 header][routing][pad to 16][payload].
  std::vector<Bytes> sections;
  SectionRouting routing;
  routing.section = kSectionIdBit | 9;
  routing.entries = {{7, 2}, {8, 5}};
  routing.members = {{7, ArrayIndex{1}, 0}, {8, ArrayIndex{2, 3}, 1}};
  routing.pes = {0, 3};
  for (const SectionRouting& r : {routing, SectionRouting{}}) {
    const Bytes packedRouting = packed(r);
    const std::size_t header = (sizeof(std::uint64_t) + packedRouting.size() + 15) & ~std::size_t{15};
    Bytes b(header + 20, std::byte{0x44});
    const std::uint64_t headerField = header;
    std::memcpy(b.data(), &headerField, sizeof headerField);
    std::memcpy(b.data() + sizeof headerField, packedRouting.data(), packedRouting.size());
    sections.push_back(b);
  }
  fuzzDecoder("section routing (SectionBroadcast)", sections, 60000, 12, [](const std::byte* d, std::size_t n) {
    std::size_t header = 0;
    const SectionRouting r = readSectionRouting(d, n, header);
    REQUIRE(header <= n);
    REQUIRE(header >= sizeof(std::uint64_t));
    (void)r.entryFor(7);
  });

  // Allreduce results forwarded to PEs whose elements contributed remotely:
  // [NumericSpan][callback][pad to 16][result], as sendToRemoteContributors writes it.
  std::vector<Bytes> results;
  for (int shape = 0; shape < 2; ++shape) {
    NumericSpan span;
    span.kind = ReducerKind::Sum;
    span.type = ValueType::Double;
    span.shape = static_cast<std::uint8_t>(shape);
    span.length = shape == 0 ? 1 : 3;
    const Bytes callback = packed(Callback::toAllElements(5, kNoEntry, kExternalFutureFlag));
    const std::size_t header = (sizeof span + callback.size() + 15) & ~std::size_t{15};
    const std::size_t resultBytes = (shape == 1 ? 8 : 0) + span.length * 8;
    Bytes b(header + resultBytes, std::byte{0});
    std::memcpy(b.data(), &span, sizeof span);
    std::memcpy(b.data() + sizeof span, callback.data(), callback.size());
    std::memcpy(b.data() + header, &span.length, shape == 1 ? 8 : 0);
    results.push_back(b);
  }
  fuzzDecoder("allreduce result (AllReduceResult)", results, 60000, 13, [](const std::byte* d, std::size_t n) {
    const ForwardedAllReduce r = readForwardedAllReduce(d, n);
    REQUIRE(r.header <= n);
    if (isNumericReducer(r.value.kind) && r.value.type != ValueType::None) {
      const bool counted = r.value.shape == static_cast<std::uint8_t>(ReductionValue::Shape::Vector);
      const std::byte* values = d + r.header + (counted ? 8 : 0);
      touch(values, static_cast<std::size_t>(r.value.length) * valueTypeSize(r.value.type));
    }
  });

  // Allreduce partials: [AllReduceHeader][values].
  std::vector<Bytes> partials;
  for (std::uint64_t length : {0, 1, 5}) {
    AllReduceHeader h;
    h.kind = length ? ReducerKind::Max : ReducerKind::Nop;
    h.type = length ? ValueType::Int32 : ValueType::None;
    h.shape = length > 1 ? 1 : 0;
    h.step = 2;
    h.contributions = 4;
    h.length = length;
    Bytes b(sizeof h + length * 4, std::byte{0x11});
    std::memcpy(b.data(), &h, sizeof h);
    partials.push_back(b);
  }
  fuzzDecoder("allreduce partial (AllReducePartial)", partials, 60000, 14, [](const std::byte* d, std::size_t n) {
    checkAllReducePartial(d, n);
    AllReduceHeader h;
    std::memcpy(&h, d, sizeof h);
    const std::size_t bytes = static_cast<std::size_t>(h.length) * valueTypeSize(h.type);
    REQUIRE(bytes == n - sizeof h);
  });
}

// Runs a 2-PE in-process job whose PE 0 sends `message` straight through the
// transport to PE 1; returns what the job printed to stderr, and whether PE 1
// aborted (JobAborted) rather than return from run().
std::pair<std::string, bool> sendRawToPeOne(std::function<MessageBuffer()> make) {
  std::fflush(stderr);
  std::FILE* captured = std::tmpfile();
  const int savedStderr = dup(fileno(stderr));
  dup2(fileno(captured), fileno(stderr));
  comm::InProcessNetwork network(2);
  std::atomic<bool> peOneAborted{false};
  std::vector<std::thread> pes;
  for (int pe = 0; pe < 2; ++pe)
    pes.emplace_back([&, pe] {
      Runtime runtime(network.endpoint(pe));
      try {
        runtime.run(pe == 0 ? std::function<void()>([&] {
          Runtime::current().transport().send(1, make());
          charm::exit(0);  // reaches PE 1 after the message (FIFO per pair of PEs)
        })
                            : std::function<void()>());
      } catch (const comm::JobAborted&) {
        if (pe == 1) peOneAborted = true;
      }
    });
  for (auto& t : pes) t.join();
  std::fflush(stderr);
  dup2(savedStderr, fileno(stderr));
  close(savedStderr);
  std::string text;
  std::rewind(captured);
  for (int c; (c = std::fgetc(captured)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(captured);
  return {text, peOneAborted.load()};
}

TEST_CASE("a corrupt message from another PE aborts the job naming its kind and sender") {
  auto message = [](MessageKind kind, std::size_t payload) {
    MessageBuffer m = newMessage(kind, payload);
    envelopeOf(m).sourcePe = 0;
    return m;
  };
  SECTION("a payload size beyond the bytes received") {
    const auto [text, aborted] = sendRawToPeOne([&] {
      MessageBuffer m = message(MessageKind::EntryCall, 8);
      envelopeOf(m).payloadSize = 1u << 30;
      return m;
    });
    CHECK(aborted);
    CHECK_THAT(text, Catch::Contains("abort on PE 1: corrupt message EntryCall from PE 0") &&
                         Catch::Contains("payload size differs"));
  }
  SECTION("an unknown kind") {
    const auto [text, aborted] = sendRawToPeOne([&] {
      MessageBuffer m = message(MessageKind::Exit, 0);
      envelopeOf(m).kind = static_cast<MessageKind>(200);
      return m;
    });
    CHECK(aborted);
    CHECK_THAT(text, Catch::Contains("corrupt message ? from PE 0") && Catch::Contains("unknown message kind"));
  }
  SECTION("another sender named") {
    const auto [text, aborted] = sendRawToPeOne([&] {
      MessageBuffer m = message(MessageKind::LocationUpdate, 0);
      envelopeOf(m).sourcePe = 5;
      return m;
    });
    CHECK(aborted);
    CHECK_THAT(text, Catch::Contains("corrupt message LocationUpdate from PE 0") &&
                         Catch::Contains("names another sending PE"));
  }
  SECTION("shorter than an envelope") {
    const auto [text, aborted] = sendRawToPeOne([] { return MessageBuffer::allocate(5); });
    CHECK(aborted);
    CHECK_THAT(text, Catch::Contains("corrupt message (no envelope) from PE 0 (5 bytes)"));
  }
  SECTION("a migration whose state size runs past the message") {
    const auto [text, aborted] = sendRawToPeOne([&] {
      MessageBuffer m = message(MessageKind::MigrateElement, 16);
      const std::uint64_t runtimeBytes = 1000;
      std::memcpy(payloadOf(m), &runtimeBytes, sizeof runtimeBytes);
      return m;
    });
    CHECK(aborted);
    CHECK_THAT(text, Catch::Contains("uncaught exception handling message MigrateElement from PE 0") &&
                         Catch::Contains("migration runtime state size (1000)"));
  }
}

}  // namespace
