// Unit tests of RuntimeFlags: the Charm++-style +flags taken out of a program's
// arguments, including the load-balancing flags of Charm++ that charm4py programs
// append to sys.argv, +LBDebug with and without a level, and +pN.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "runtime/runtime_flags.h"

namespace {
using Args = std::vector<std::string>;
}

TEST_CASE("runtime flags are removed from the program's arguments, values included", "[flags]") {
  charm::RuntimeFlags flags;
  const Args rest = flags.consume({"app.py", "+balancer", "GreedyLB", "x", "+LBPeriod", "0.5", "++quiet", "y"}, false);
  CHECK(rest == Args{"app.py", "x", "y"});
  CHECK(flags.values().at("balancer") == "GreedyLB");
  CHECK(flags.values().at("LBPeriod") == "0.5");
  CHECK(flags.has("quiet"));
}

TEST_CASE("Charm++'s load-balancing switches are accepted, not taken for the program's", "[flags]") {
  charm::RuntimeFlags flags;
  const Args rest = flags.consume({"app.py", "+LBCommOff", "+LBObjOnly", "+LBSyncResume", "+LBTestPESpeed",
                                   "+LBNoBackground", "+LBPrintSummary", "+LBSameCpus", "+LBCommOn", "arg"},
                                  false);
  CHECK(rest == Args{"app.py", "arg"});
  for (const char* name : {"LBCommOff", "LBObjOnly", "LBSyncResume", "LBTestPESpeed", "LBNoBackground",
                           "LBPrintSummary", "LBSameCpus", "LBCommOn"}) {
    INFO(name);
    CHECK(flags.has(name));
  }
}

TEST_CASE("+LBDebug takes a level only when the next argument is a number", "[flags]") {
  charm::RuntimeFlags bare;
  CHECK(bare.consume({"app.py", "+LBDebug", "+balancer", "RotateLB", "input.dat"}, false) ==
        Args{"app.py", "input.dat"});
  CHECK(bare.values().at("LBDebug").empty());
  CHECK(bare.values().at("balancer") == "RotateLB");

  charm::RuntimeFlags last;
  CHECK(last.consume({"app.py", "+LBDebug"}, false) == Args{"app.py"});
  CHECK(last.has("LBDebug"));

  charm::RuntimeFlags leveled;
  CHECK(leveled.consume({"app.py", "+LBDebug", "2", "3"}, false) == Args{"app.py", "3"});
  CHECK(leveled.values().at("LBDebug") == "2");
}

TEST_CASE("+pN and +p N are accepted (the PE count comes from mpirun)", "[flags]") {
  charm::RuntimeFlags joined;
  CHECK(joined.consume({"app.py", "+p4", "x"}, false) == Args{"app.py", "x"});
  CHECK(joined.values().at("p") == "4");
  charm::RuntimeFlags separate;
  CHECK(separate.consume({"+p", "8", "app.py", "++ppn", "2"}, false) == Args{"app.py"});
  CHECK(separate.values().at("p") == "8");
  CHECK(separate.values().at("ppn") == "2");
  charm::RuntimeFlags other;  // +pemap is its own flag, not +p
  CHECK(other.consume({"+pemap", "0-3", "app.py"}, false) == Args{"app.py"});
  CHECK(other.values().at("pemap") == "0-3");
}

TEST_CASE("values after '=', repeated +balancer flags, and unknown flags", "[flags]") {
  charm::RuntimeFlags flags;
  const Args rest = flags.consume({"+balancer=GreedyLB", "app.py", "+balancer", "RefineLB", "+NoSuchFlag", "+"}, false);
  CHECK(rest == Args{"app.py", "+"});
  CHECK(flags.values().at("balancer") == "GreedyLB,RefineLB");
  CHECK_FALSE(flags.has("NoSuchFlag"));
}

TEST_CASE("the flag table has each name once, and a reason for every flag without effect", "[flags]") {
  std::set<std::string_view> names;
  for (const charm::FlagSpec& f : charm::knownRuntimeFlags()) {
    INFO(f.name);
    CHECK(names.insert(f.name).second);
    CHECK(!f.name.empty());
  }
  for (const char* honoured : {"balancer", "LBPeriod", "LBOff", "LBDebug", "LBCommOff", "LBObjOnly",
                               "LBNoBackground", "LBPrintSummary", "LBNoMigrationCostCheck", "quiet", "setcpuaffinity", "deadlockTimeout"}) {
    INFO(honoured);
    bool found = false;
    for (const charm::FlagSpec& f : charm::knownRuntimeFlags())
      if (f.name == honoured) found = f.ignoredBecause.empty();
    CHECK(found);
  }
}
