// pingpong-cpp: one-way latency of an entry-method call between PEs 0 and 1.
// Two group elements bounce a message: the "payload" column uses charm::Payload
// (the received buffer is sent back as it is, like Charm++ message entries), the
// "vector" column an ordinary entry method taking std::vector<char> (packed and
// unpacked on every hop). Prints a table and ends with one JSON line:
//   {"bench": "pingpong-cpp", "one_way_us": {"8": ..., ...}, "vector_one_way_us": {...}}
// Options: --iters-scale F multiplies the iteration counts; --max-bytes N skips
// the sizes above N (e.g. 8 for an instruction profile of small messages only).
#include <charm.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Size {
  std::size_t bytes;
  int iterations;
};
// The sizes make the latency and bandwidth curves (the same as pingpong_mpi.c's).
const Size kSizes[] = {{8, 100000},   {64, 100000},  {512, 60000},  {1024, 50000},
                       {4096, 30000}, {16384, 15000}, {65536, 5000}, {262144, 1500},
                       {1048576, 500}, {4194304, 100}};

class PingPong : public charm::Group<PingPong> {
 public:
  // On PE 0: bounce `iterations` round trips, then set `done`.
  void start(int iterations, charm::Future<void> done) {
    remaining_ = iterations;
    done_ = done;
  }

  void payload(charm::Payload p) {
    if (thisIndex() == 0 && --remaining_ == 0) {
      done_.set();
      return;
    }
    thisProxy()[1 - thisIndex()].invoke<&PingPong::payload>(std::move(p));
  }

  void vector(std::vector<char> data) {
    if (thisIndex() == 0 && --remaining_ == 0) {
      done_.set();
      return;
    }
    thisProxy()[1 - thisIndex()].invoke<&PingPong::vector>(data);
  }

 private:
  int remaining_ = 0;
  charm::Future<void> done_;
};

// Microseconds per one-way hop over `iterations` round trips.
template <auto Method, class Arg>
double measure(charm::GroupProxy<PingPong> pp, int iterations, Arg makeArg) {
  auto done = charm::Future<void>::make();
  pp[0].call<&PingPong::start>(iterations, done).get();  // PE 0 is armed
  auto first = makeArg();
  const auto t0 = std::chrono::steady_clock::now();
  pp[1].invoke<Method>(std::move(first));
  done.get();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / (2.0 * iterations);
}

}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string> args) {
    double scale = 1.0;
    std::size_t maxBytes = SIZE_MAX;
    for (std::size_t i = 1; i + 1 < args.size(); ++i) {
      if (args[i] == "--iters-scale") scale = std::atof(args[i + 1].c_str());
      if (args[i] == "--max-bytes") maxBytes = std::strtoull(args[i + 1].c_str(), nullptr, 10);
    }
    if (charm::numPes() < 2) {
      std::fprintf(stderr, "pingpong-cpp needs at least 2 PEs\n");
      charm::exit(1);
      return;
    }
    auto pp = charm::GroupProxy<PingPong>::create();
    std::string payloadJson, vectorJson;
    std::printf("%10s %16s %16s %12s\n", "bytes", "payload us", "vector us", "payload MB/s");
    for (const Size& s : kSizes) {
      if (s.bytes > maxBytes) continue;
      const int iters = std::max(10, static_cast<int>(s.iterations * scale));
      const int warmup = std::max(5, iters / 10);
      auto makePayload = [&] {
        auto p = charm::Payload::allocate(s.bytes);
        std::fill_n(p.data(), s.bytes, std::byte{1});
        return p;
      };
      auto makeVector = [&] { return std::vector<char>(s.bytes, 1); };
      measure<&PingPong::payload>(pp, warmup, makePayload);
      const double payloadUs = measure<&PingPong::payload>(pp, iters, makePayload);
      measure<&PingPong::vector>(pp, warmup, makeVector);
      const double vectorUs = measure<&PingPong::vector>(pp, iters, makeVector);
      std::printf("%10zu %16.3f %16.3f %12.1f\n", s.bytes, payloadUs, vectorUs,
                  static_cast<double>(s.bytes) / payloadUs);
      const std::string sep = payloadJson.empty() ? "" : ", ";
      payloadJson += sep + "\"" + std::to_string(s.bytes) + "\": " + std::to_string(payloadUs);
      vectorJson += sep + "\"" + std::to_string(s.bytes) + "\": " + std::to_string(vectorUs);
    }
    std::printf("{\"bench\": \"pingpong-cpp\", \"one_way_us\": {%s}, \"vector_one_way_us\": {%s}}\n",
                payloadJson.c_str(), vectorJson.c_str());
    std::fflush(stdout);
    charm::exit(0);
  });
}
