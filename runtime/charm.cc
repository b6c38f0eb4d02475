#include "charm.h"

#include <cstdio>

#include "comm/mpi_transport.h"
#include "runtime/cpu_affinity.h"
#include "runtime/runtime.h"
#include "runtime/runtime_flags.h"

namespace charm {

namespace detail {
void sendFutureValue(FutureRef reply, MessageBuffer value) {
  envelopeOf(value).reply = reply;
  Runtime::current().send(reply.pe, std::move(value));
}
}  // namespace detail

int run(int argc, char** argv, MainFunction main) {
  comm::MpiTransport transport(&argc, &argv);
  RuntimeFlags flags;
  std::vector<std::string> args = flags.consume({argv, argv + argc}, transport.rank() == 0);
  if (flags.has("setcpuaffinity")) {
    const std::string how = bindToCore(transport.hostLayout(), transport.rank());
    if (!flags.has("quiet") && transport.rank() == 0) std::printf("charm: PE 0 %s\n", how.c_str());
  }
  int code = 0;
  {
    Runtime runtime(transport);
    runtime.setFlags(flags);
    code = runtime.run([&main, args = std::move(args)]() mutable { main(std::move(args)); });
  }
  return code;
}

int myPe() { return Runtime::current().myPe(); }
int numPes() { return Runtime::current().numPes(); }

std::optional<std::string> runtimeFlag(const std::string& name) {
  const auto& values = runtimeFlags();
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}
const std::map<std::string, std::string>& runtimeFlags() { return Runtime::current().flags().values(); }

void exit(int code) { Runtime::current().exit(code); }

void abort(const std::string& message) { Runtime::current().abort(message); }

void startQuiescence(const Callback& callback) { Runtime::current().quiescence().start(callback); }

void waitQuiescence() {
  auto done = Future<void>::make();
  startQuiescence(done.callback());
  done.get();
}

void after(double seconds, std::function<void()> fn) {
  if (!(seconds >= 0)) throw std::invalid_argument("charm::after: the delay must be >= 0 seconds");
  Runtime::current().scheduler().after(seconds, std::move(fn));
}

void sleep(double seconds) {
  auto done = Future<void>::make();
  after(seconds, [done] { done.set(); });
  done.get();
}

}  // namespace charm
