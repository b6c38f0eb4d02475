// LoadMeter's idle accounting (runtime/load_meter.h): the scheduler tells it when
// passes find nothing and when a pass after idling starts; samples taken by the
// load balancer from a handler split the time into idle and the rest.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "runtime/load_meter.h"

namespace {

void pause(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("a load sample taken in the pass that ends an idle period counts no negative idle time",
          "[lb][loadmeter]") {
  charm::LoadMeter meter;
  meter.setInstrumentation(true);
  meter.takeLoadSample();
  meter.passFoundNothing();  // idle from here
  pause(5);
  REQUIRE(meter.idle());
  meter.passStarting(charm::LoadMeter::Clock::now());  // this pass works:
  pause(5);                                            // a handler (array creation) runs,
  const charm::LoadMeter::LoadSample first = meter.takeLoadSample();  // takes a sample,
  pause(5);                                            // and runs on;
  meter.passWorked();                                  // then the pass ends
  const charm::LoadMeter::LoadSample second = meter.takeLoadSample();
  CHECK(first.idle > 0);
  CHECK(first.idle <= first.wall);
  // Idle time ended when the working pass started: nothing of it is left for the
  // next sample (it used to get minus the handler's time).
  CHECK(second.idle == 0);
  CHECK(second.wall > 0);
}

TEST_CASE("idle time between passes that found nothing is counted once", "[lb][loadmeter]") {
  charm::LoadMeter meter;
  meter.setInstrumentation(true);
  meter.takeLoadSample();
  meter.passFoundNothing();
  for (int i = 0; i < 3; ++i) {
    meter.passStarting(charm::LoadMeter::Clock::now());
    pause(1);
    meter.passFoundNothing();  // still idle: the period goes on
  }
  meter.passStarting(charm::LoadMeter::Clock::now());
  meter.passWorked();
  const charm::LoadMeter::LoadSample s = meter.takeLoadSample();
  CHECK(s.idle > 0);
  CHECK(s.idle <= s.wall);
  CHECK_FALSE(meter.idle());
}
