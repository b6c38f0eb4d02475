// runInProcessJob: runs a whole n-PE program inside one process, one thread per
// PE over the in-process transport, so unit tests exercise the runtime's logic
// without MPI. `main` runs on PE 0 (on a fiber); returns every PE's exit code.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "comm/in_process_transport.h"
#include "runtime/embedding_hooks.h"
#include "runtime/runtime.h"

// `setup`, when given, runs on each PE's runtime before it starts (e.g. to set hooks).
inline std::vector<int> runInProcessJob(int n, const std::function<void()>& main,
                                        const std::function<void(charm::Runtime&)>& setup = {}) {
  charm::comm::InProcessNetwork network(n);
  std::vector<int> codes(static_cast<std::size_t>(n), -1);
  std::vector<std::thread> pes;
  for (int pe = 0; pe < n; ++pe)
    pes.emplace_back([&, pe] {
      charm::Runtime runtime(network.endpoint(pe));
      if (setup) setup(runtime);
      codes[static_cast<std::size_t>(pe)] = runtime.run(pe == 0 ? main : std::function<void()>());
    });
  for (auto& t : pes) t.join();
  return codes;
}

// Records the calls the runtime could not deliver (raised at their futures by an embedding).
struct RecordUndeliverable final : charm::EmbeddingHooks {
  RecordUndeliverable(std::mutex& mutex, std::vector<std::string>& rejected) : mutex(mutex), rejected(rejected) {}
  bool raiseUndeliverable(const charm::Envelope& env, const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mutex);
    rejected.push_back(env.index.toString() + ": " + reason);
    return true;
  }
  std::mutex& mutex;
  std::vector<std::string>& rejected;
};
