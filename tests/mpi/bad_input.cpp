// Bad input fails at the call site with a clear exception: array indices out of
// range or of the wrong dimensionality, PEs that do not exist, invalid extents.
#include "check.h"

#include <stdexcept>

namespace {
class Thing : public charm::ArrayElement<Thing> {
 public:
  void poke() {}
};
class Solo : public charm::Chare<Solo> {};
class PerPe : public charm::Group<PerPe> {};

template <class E, class F>
void expectThrow(F f, const char* needle) {
  try {
    f();
  } catch (const E& e) {
    CHARM_CHECK(std::string(e.what()).find(needle) != std::string::npos);
    return;
  }
  charm::abort(std::string("expected an exception mentioning \"") + needle + "\"");
}
}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    auto a = charm::ArrayProxy<Thing>::create({4, 3});
    expectThrow<std::out_of_range>([&] { a[{4, 0}].invoke<&Thing::poke>(); }, "out of range");
    expectThrow<std::out_of_range>([&] { a[{0, -1}].invoke<&Thing::poke>(); }, "(0, -1)");
    expectThrow<std::out_of_range>([&] { a[2].invoke<&Thing::poke>(); }, "out of range");
    expectThrow<std::invalid_argument>([&] { charm::ArrayProxy<Thing>::create({3, 0}); }, "extents");
    expectThrow<std::invalid_argument>([&] { charm::ArrayIndex{1, 2, 3, 4, 5, 6, 7}; }, "1 to 6");
    auto g = charm::GroupProxy<PerPe>::create();
    expectThrow<std::out_of_range>([&] { g[n]; }, "does not exist");
    expectThrow<std::out_of_range>([&] { g[-1]; }, "does not exist");
    expectThrow<std::out_of_range>([&] { charm::ChareProxy<Solo>::createOn(n); }, "cannot create");
    a[{3, 2}].call<&Thing::poke>().get();  // the array still works afterwards
    std::printf("bad_input: %d PEs ok\n", n);
    charm::exit(0);
  });
}
