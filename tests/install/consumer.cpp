// Built out of tree against the installed package: a group sums its PE numbers,
// and the public queries (balancer in use, runtime flags) answer.
#include <charm.h>

#include <cstdio>
#include <optional>
#include <string>

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
    // The public queries (run.sh runs this without flags, with +balancer and with +LBOff).
    const std::string lb = charm::balancerName();
    const std::optional<std::string> given = charm::runtimeFlag("balancer");
    const bool queries = charm::runtimeFlag("LBOff") ? lb.empty() && *charm::runtimeFlag("LBOff") == ""
                         : given                     ? lb == *given && charm::runtimeFlags().size() == 1
                                                     : !lb.empty() && charm::runtimeFlags().empty();
    std::printf("consumer: balancer '%s', queries agree: %s\n", lb.c_str(), queries ? "yes" : "no");
    charm::exit(got == n * (n + 1) / 2 && queries ? 0 : 1);
  });
}
