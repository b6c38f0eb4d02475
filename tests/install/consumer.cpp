// Built out of tree against the installed package: a group sums its PE numbers.
#include <charm.h>

#include <cstdio>

struct Member : charm::Group<Member> {
  void add(charm::Future<int> f) { contribute(thisIndex() + 1, charm::reducer::sum, f.callback()); }
};

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    auto g = charm::GroupProxy<Member>::create();
    auto f = charm::Future<int>::make();
    g.broadcast<&Member::add>(f);
    const int n = charm::numPes();
    const int got = f.get();
    std::printf("consumer: sum %d (expected %d)\n", got, n * (n + 1) / 2);
    charm::exit(got == n * (n + 1) / 2 ? 0 : 1);
  });
}
