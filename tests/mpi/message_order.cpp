// Per-pair order: every PE's group element sends a numbered stream of messages
// (small, medium and large, interleaved) to every element of an array spread over
// all PEs; each receiver checks that each sender's stream arrives in order, and a
// sum reduction checks that every message arrived.
#include "check.h"

#include <map>

namespace {
constexpr int kMessagesPerPair = 300;

class Receiver : public charm::ArrayElement<Receiver> {
 public:
  void take(int sender, int sequence, std::vector<double> data) {
    int& expected = next_[sender];
    CHARM_CHECK_EQ(sequence, expected);
    CHARM_CHECK_EQ(data.size(), static_cast<std::size_t>(sequence % 7 == 0 ? 20000 : sequence % 3));
    for (double d : data) CHARM_CHECK_EQ(d, static_cast<double>(sequence));
    ++expected;
    ++received_;
  }
  void report(charm::Future<long> total) { contribute(received_, charm::reducer::sum, total.callback()); }

 private:
  std::map<int, int> next_;
  long received_ = 0;
};

class Sender : public charm::Group<Sender> {
 public:
  void run(charm::ArrayProxy<Receiver> receivers) {
    for (int seq = 0; seq < kMessagesPerPair; ++seq)
      for (int r = 0; r < static_cast<int>(receivers.size()); ++r) {
        std::vector<double> data(seq % 7 == 0 ? 20000 : seq % 3, static_cast<double>(seq));
        receivers[r].invoke<&Receiver::take>(thisIndex(), seq, data);
      }
  }
};
}  // namespace

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    const int n = charm::numPes();
    const int receivers = 2 * n + 1;
    auto recv = charm::ArrayProxy<Receiver>::create({receivers});
    auto senders = charm::GroupProxy<Sender>::create();
    senders.broadcast<&Sender::run>(recv);
    charm::waitQuiescence();
    auto total = charm::Future<long>::make();
    recv.broadcast<&Receiver::report>(total);
    CHARM_CHECK_EQ(total.get(), static_cast<long>(kMessagesPerPair) * n * receivers);
    std::printf("message_order: %d PEs, all %ld messages in order\n", n,
                static_cast<long>(kMessagesPerPair) * n * receivers);
    charm::exit(0);
  });
}
