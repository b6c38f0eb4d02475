// OutputForwarder: what a PE other than 0 sends PE 0 of what it prints (whole lines,
// in order, batched), and what it keeps until PE 0 acknowledges it.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "in_process_job.h"
#include "charm.h"
#include "runtime/output_forwarder.h"

namespace {
using charm::OutputForwarder;
using charm::OutputStream;

struct Sent {
  std::vector<std::pair<OutputStream, std::string>> batches;
  OutputForwarder::Sender sender() {
    return [this](OutputStream s, std::string_view lines) { batches.emplace_back(s, std::string(lines)); };
  }
  std::string all(OutputStream s) const {
    std::string out;
    for (const auto& [stream, lines] : batches)
      if (stream == s) out += lines;
    return out;
  }
};
class Printer : public charm::Group<Printer> {
 public:
  void print(int lines, charm::Future<int> done) {
    for (int i = 0; i < lines; ++i) {
      const std::string line = "PE " + std::to_string(charm::myPe()) + " line " + std::to_string(i) + "\n";
      // in two pieces, as print() writes a line and then its newline
      charm::Runtime::current().output().write(OutputStream::Stdout, std::string_view(line).substr(0, 5));
      charm::Runtime::current().output().write(OutputStream::Stdout, std::string_view(line).substr(5));
    }
    done.set(charm::myPe());
  }
};
}  // namespace

TEST_CASE("lines every in-process PE prints reach stdout whole and in order, the last ones at exit") {
  for (int n : {1, 3}) {
    std::fflush(stdout);
    std::FILE* capture = std::tmpfile();
    REQUIRE(capture);
    const int savedStdout = ::dup(1);
    ::dup2(::fileno(capture), 1);
    const int kLines = 3000;
    const auto codes = runInProcessJob(n, [&] {
      auto printers = charm::GroupProxy<Printer>::create();
      for (int pe = 0; pe < charm::numPes(); ++pe) {
        auto done = charm::Future<int>::make();
        printers[pe].invoke<&Printer::print>(kLines, done);
        done.get();
      }
      charm::exit(0);
    });
    ::dup2(savedStdout, 1);
    ::close(savedStdout);
    CHECK(codes == std::vector<int>(static_cast<std::size_t>(n), 0));
    std::rewind(capture);
    std::vector<int> next(static_cast<std::size_t>(n), 0);
    char buffer[256];
    int bad = 0;
    while (std::fgets(buffer, sizeof buffer, capture)) {
      int pe = -1, i = -1;
      char end = 0;
      if (std::sscanf(buffer, "PE %d line %d%c", &pe, &i, &end) != 3 || end != '\n' || pe < 0 || pe >= n ||
          i != next[static_cast<std::size_t>(pe)]++)
        ++bad;
    }
    std::fclose(capture);
    CHECK(bad == 0);
    CHECK(next == std::vector<int>(static_cast<std::size_t>(n), kLines));
  }
}

TEST_CASE("a forwarding PE sends only whole lines; a partial line waits for its newline") {
  OutputForwarder out;
  Sent sent;
  out.startForwarding(sent.sender());
  out.write(OutputStream::Stdout, "first li");
  CHECK(sent.batches.empty());
  out.write(OutputStream::Stdout, "ne\nsecond");  // the first batch after a quiet spell leaves at once
  REQUIRE(sent.batches.size() == 1);
  CHECK(sent.batches[0].second == "first line\n");
  out.flush(OutputStream::Stdout);  // an explicit flush does not send the partial line
  CHECK(sent.all(OutputStream::Stdout) == "first line\n");
  out.write(OutputStream::Stdout, " part\n");
  out.schedulerPass(/*idle=*/true);
  CHECK(sent.all(OutputStream::Stdout) == "first line\nsecond part\n");
  for (const auto& [stream, lines] : sent.batches) CHECK(lines.back() == '\n');
}

TEST_CASE("lines printed right after a batch wait for the delay, the size limit or an idle scheduler") {
  OutputForwarder out;
  Sent sent;
  out.startForwarding(sent.sender());
  out.write(OutputStream::Stdout, "a\n");
  REQUIRE(sent.batches.size() == 1);
  for (int i = 0; i < 100; ++i) out.write(OutputStream::Stdout, "line\n");
  out.schedulerPass(/*idle=*/false);
  CHECK(sent.batches.size() == 1);  // within kMaxDelay of the first batch: kept together
  std::this_thread::sleep_for(OutputForwarder::kMaxDelay + std::chrono::milliseconds(1));
  out.schedulerPass(/*idle=*/false);
  REQUIRE(sent.batches.size() == 2);
  CHECK(sent.batches[1].second.size() == 500);
  const std::string big(OutputForwarder::kBatchBytes, 'x');
  out.write(OutputStream::Stdout, big + "\n");  // reaches the size limit: sent at once
  CHECK(sent.batches.size() == 3);
  out.write(OutputStream::Stderr, "err\n");
  out.schedulerPass(/*idle=*/true);
  REQUIRE(sent.batches.size() == 4);
  CHECK(sent.batches[3] == std::make_pair(OutputStream::Stderr, std::string("err\n")));
}

TEST_CASE("stopping forwarding sends everything, a partial last line completed with a newline") {
  OutputForwarder out;
  Sent sent;
  out.startForwarding(sent.sender());
  out.write(OutputStream::Stdout, "x\n");
  out.write(OutputStream::Stdout, "y\nno newline");
  out.write(OutputStream::Stderr, "err no newline");
  out.stopForwarding();
  CHECK_FALSE(out.forwarding());
  CHECK(sent.all(OutputStream::Stdout) == "x\ny\nno newline\n");
  CHECK(sent.all(OutputStream::Stderr) == "err no newline\n");
}

TEST_CASE("batches stay kept until PE 0 acknowledges them, in send order") {
  OutputForwarder out;
  Sent sent;
  out.startForwarding(sent.sender());
  out.write(OutputStream::Stdout, "one\n");
  out.write(OutputStream::Stdout, "two\n");
  out.stopForwarding();
  CHECK(out.unacknowledgedBatches() == sent.batches.size());
  CHECK(sent.batches.size() == 2);
  out.acknowledged();
  CHECK(out.unacknowledgedBatches() == 1);
  out.acknowledged();
  out.acknowledged();  // a stray acknowledgement does no harm
  CHECK(out.unacknowledgedBatches() == 0);
}
