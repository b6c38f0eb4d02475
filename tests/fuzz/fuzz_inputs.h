// Fuzz inputs for the decoders of bytes received from other PEs: from valid
// messages made by the real encoders (the seeds), every truncation, then
// deterministic seeded random mutations (single and multi bit flips, byte
// overwrites, length-like fields set to huge, negative and boundary values,
// inserted and deleted ranges) and pure random buffers. A decoder under test must
// either succeed or report an error; a crash or a read outside the input fails
// (under ASan, which the test-sanitize build runs these tests with).
//
// Each input is handed over in a heap block of exactly its size, so that ASan
// sees any read past its end. CHARMPY_FUZZ_SCALE (a factor, default 1) scales
// the number of random inputs, e.g. 0.1 for slow sanitizer runs, 100 for a soak.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace charm::fuzz {

using Bytes = std::vector<std::byte>;

// Number of random inputs for a decoder whose default is `base`.
inline std::uint64_t scaledCount(std::uint64_t base) {
  const char* s = std::getenv("CHARMPY_FUZZ_SCALE");
  const double factor = s ? std::atof(s) : 1.0;
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(static_cast<double>(base) * (factor > 0 ? factor : 1.0)));
}

template <class T>
Bytes bytesOf(const T& value) {
  Bytes b(sizeof value);
  std::memcpy(b.data(), &value, sizeof value);
  return b;
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  // The random input number `i` made from `seeds` (cycles through the strategies).
  Bytes next(const std::vector<Bytes>& seeds, std::uint64_t i) {
    if (i % 16 == 15) return randomBuffer(seeds);
    Bytes b = seeds[pick(seeds.size())];
    const int rounds = i % 4 == 3 ? 1 + static_cast<int>(pick(4)) : 1;  // sometimes stacked
    for (int r = 0; r < rounds; ++r) mutate(b, i + static_cast<std::uint64_t>(r));
    if (!b.empty() && i % 8 == 7) b.resize(pick(b.size() + 1));  // and truncated
    return b;
  }

 private:
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

  void mutate(Bytes& b, std::uint64_t i) {
    switch (i % 6) {
      case 0:  // one bit
        if (!b.empty()) flip(b, pick(b.size() * 8));
        break;
      case 1: {  // a few bits
        const std::size_t k = 2 + pick(7);
        for (std::size_t j = 0; j < k && !b.empty(); ++j) flip(b, pick(b.size() * 8));
        break;
      }
      case 2: {  // random bytes
        const std::size_t k = 1 + pick(4);
        for (std::size_t j = 0; j < k && !b.empty(); ++j) b[pick(b.size())] = static_cast<std::byte>(rng_());
        break;
      }
      case 3:
      case 4:  // a length-like field: a 1/2/4/8-byte value at an aligned place
        overwriteField(b);
        break;
      case 5:  // insert or delete a range: shifts everything after it
        if (b.empty() || pick(2) == 0) {
          const std::size_t at = pick(b.size() + 1), n = 1 + pick(32);
          Bytes extra(n);
          for (auto& x : extra) x = static_cast<std::byte>(rng_());
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), extra.begin(), extra.end());
        } else {
          const std::size_t at = pick(b.size()), n = 1 + pick(std::min<std::size_t>(32, b.size() - at));
          b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
        break;
    }
  }

  void flip(Bytes& b, std::size_t bit) { b[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8)); }

  void overwriteField(Bytes& b) {
    static constexpr std::size_t kWidths[] = {1, 2, 4, 8};
    const std::size_t width = kWidths[pick(4)];
    if (b.size() < width) return;
    const std::size_t at = pick((b.size() - width) / width + 1) * width;
    const std::uint64_t n = b.size();
    const std::array<std::uint64_t, 16> interesting = {
        0, 1, 2, 7, 8, 15, 16, 0x7f, 0xff, 0x7fffffffull, 0x80000000ull, 0xffffffffull,
        ~std::uint64_t{0}, std::uint64_t{1} << 63, n, n + 1 + pick(64)};
    std::uint64_t v = pick(5) == 0 ? rng_() : interesting[pick(interesting.size())];
    if (pick(4) == 0) v = ~v + 1;  // its negative
    std::memcpy(b.data() + at, &v, width);  // little-endian: the low bytes
  }

  Bytes randomBuffer(const std::vector<Bytes>& seeds) {
    std::size_t longest = 16;
    for (const Bytes& s : seeds) longest = std::max(longest, s.size());
    Bytes b(pick(2 * longest + 1));
    for (auto& x : b) x = static_cast<std::byte>(rng_());
    return b;
  }

  std::mt19937_64 rng_;
};

// Calls decode(const std::byte* data, std::size_t size) on every truncation of
// every seed and on `randomInputs` (scaled) inputs made by make(i); returns how
// many inputs it ran and prints that with `name`. `decode` reports errors itself.
template <class Make, class Decode>
std::uint64_t fuzzWith(const char* name, const std::vector<Bytes>& seeds, std::uint64_t randomInputs, Make&& make,
                       Decode&& decode) {
  auto run = [&](const Bytes& input) {
    // Exactly sized, so that a read past the end is outside the block.
    std::unique_ptr<std::byte[]> block(new std::byte[input.size() == 0 ? 1 : input.size()]);
    if (!input.empty()) std::memcpy(block.get(), input.data(), input.size());
    decode(input.empty() ? block.get() + 1 : block.get(), input.size());
  };
  std::uint64_t count = 0;
  for (const Bytes& s : seeds) {
    for (std::size_t n = 0; n <= s.size(); ++n, ++count) run(Bytes(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n)));
  }
  const std::uint64_t total = scaledCount(randomInputs);
  for (std::uint64_t i = 0; i < total; ++i, ++count) run(make(i));
  std::printf("fuzz %s: %llu inputs (%zu seeds, every truncation, then %llu mutated or random)\n", name,
              static_cast<unsigned long long>(count), seeds.size(), static_cast<unsigned long long>(total));
  std::fflush(stdout);
  return count;
}

// fuzzWith the Mutator's inputs (deterministic for `seed`).
template <class Decode>
std::uint64_t fuzz(const char* name, const std::vector<Bytes>& seeds, std::uint64_t randomInputs, std::uint64_t seed,
                   Decode&& decode) {
  Mutator m(seed);
  return fuzzWith(name, seeds, randomInputs, [&](std::uint64_t i) { return m.next(seeds, i); },
                  std::forward<Decode>(decode));
}

}  // namespace charm::fuzz
