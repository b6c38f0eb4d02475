// hello-cpp: the `make demo` program. A 2-d array of chares greets round a ring,
// sums a value over all elements with a reduction, and the main function waits
// for the result on a future before ending the program.
#include <charm.h>

#include <cstdio>

class Hello : public charm::ArrayElement<Hello> {
 public:
  explicit Hello(int hops) : hops_(hops) {}

  // Passes the greeting to the next element (row-major) until `hops` is used up,
  // then every element contributes its PE number to a sum.
  void greet(int hop, std::string text) {
    std::printf("[PE %d] element %s got \"%s\" (hop %d)\n", charm::myPe(),
                thisIndex().toString().c_str(), text.c_str(), hop);
    if (hop < hops_) {
      const charm::ArrayIndex dims = thisProxy().dims();
      int next = (thisIndex()[0] * dims[1] + thisIndex()[1] + 1) % (dims[0] * dims[1]);
      thisProxy()[{next / dims[1], next % dims[1]}].invoke<&Hello::greet>(hop + 1, text);
    } else {
      thisProxy().broadcast<&Hello::report>();
    }
  }

  void report() { contribute(charm::myPe(), charm::reducer::sum, done_); }
  void setDone(charm::Future<int> done) { done_ = done.callback(); }

 private:
  int hops_;
  charm::Callback done_;
};

int main(int argc, char** argv) {
  return charm::run(argc, argv, [](std::vector<std::string>) {
    std::printf("charmpy C++ demo on %d PEs\n", charm::numPes());
    auto hellos = charm::ArrayProxy<Hello>::create({2, 3}, /*hops=*/5);
    auto sum = charm::Future<int>::make();
    hellos.broadcast<&Hello::setDone>(sum);
    hellos[{0, 0}].invoke<&Hello::greet>(0, "hello");
    std::printf("sum of the PE numbers of all 6 elements: %d\n", sum.get());
    charm::exit(0);
  });
}
