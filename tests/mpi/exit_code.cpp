// charm::exit(code) from any PE ends every PE with that code; run with
// "--code N --from PE". With "--abort" the program calls charm::abort on the last
// PE instead, which must end the job with a message and a non-zero code.
#include <charm.h>

#include <cstdio>
#include <cstdlib>

namespace {
class Ender : public charm::Group<Ender> {
 public:
  void end(int code, bool useAbort) {
    if (useAbort) charm::abort("deliberate abort from the exit_code test");
    charm::exit(code);
  }
};
}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string> args) {
    int code = 0, from = 0;
    bool useAbort = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--code" && i + 1 < args.size()) code = std::atoi(args[++i].c_str());
      else if (args[i] == "--from" && i + 1 < args.size()) from = std::atoi(args[++i].c_str());
      else if (args[i] == "--abort") useAbort = true;
    }
    from = std::min(from, charm::numPes() - 1);
    auto g = charm::GroupProxy<Ender>::create();
    g[useAbort ? charm::numPes() - 1 : from].invoke<&Ender::end>(code, useAbort);
  });
}
