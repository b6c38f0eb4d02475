// charm.h: the whole C++ API of libcharmrt in one include.
//
//   #include <charm.h>
//   struct Hello : charm::ArrayElement<Hello> {
//     void greet(int from) { std::printf("%s greeted by %d\n", thisIndex().toString().c_str(), from); }
//   };
//   int main(int argc, char** argv) {
//     return charm::run(argc, argv, [](std::vector<std::string>) {
//       auto hellos = charm::ArrayProxy<Hello>::create({8});
//       hellos.broadcast<&Hello::greet>(0);
//       charm::waitQuiescence();
//       charm::exit(0);
//     });
//   }
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "charm/callback.h"
#include "charm/chare.h"
#include "charm/future.h"
#include "charm/index.h"
#include "charm/payload.h"
#include "charm/proxy.h"
#include "charm/pup.h"
#include "charm/reducer.h"
#include "charm/section_proxy.h"

namespace charm {

using MainFunction = std::function<void(std::vector<std::string> args)>;

// Starts MPI and the runtime on this process (one PE per MPI rank), runs `main`
// on a fiber on PE 0, and runs the scheduler until charm::exit. Returns the exit
// code to return from the program's main(). Runtime flags (`+setcpuaffinity`,
// `++quiet`, ...) are taken out of the arguments `main` receives.
int run(int argc, char** argv, MainFunction main);

int myPe();
int numPes();

// Ends the program on every PE with `code`; callable from any PE. The caller
// carries on until it returns to the scheduler.
void exit(int code = 0);
// Prints `message` with this PE's number and ends the whole job with exit code 1.
[[noreturn]] void abort(const std::string& message);

// Fires `callback` once no message is in flight anywhere.
void startQuiescence(const Callback& callback);
// Waits (from a fiber) until no message is in flight anywhere.
void waitQuiescence();

// The load balancing strategy AtSync runs: the +balancer flag's value, else the
// default strategy; "" when load balancing is off (+LBOff).
std::string balancerName();
// The value of runtime flag `name` (without its leading '+'s, e.g. "LBPeriod")
// given to this program: "" for a switch such as +LBOff, nullopt when not given.
std::optional<std::string> runtimeFlag(const std::string& name);
// Every runtime flag given to this program: name -> value.
const std::map<std::string, std::string>& runtimeFlags();

// Calls `fn` on this PE (from the scheduler, between messages) after `seconds`.
void after(double seconds, std::function<void()> fn);
// Suspends the calling fiber for `seconds`; the PE keeps running other messages.
void sleep(double seconds);

}  // namespace charm
