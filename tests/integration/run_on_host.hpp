// The elaborate-run-collect step the system tests share: `body(runtime)` runs as the modelled
// host's thread after the runtime's setup(), until the simulation ends. An exception from setup
// or the body is the run's result (its message; empty when none), so a test can assert on a
// refusal as well as on a run; the simulation must end with the host thread finished.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

#include <systemc>

#include "system/builder.hpp"

namespace monde::test {

template <class Body>
std::string run_on_host(system::SimulatedSystem& sys, Body&& body) {
  std::string error;
  sys.top().set_body([&] {
    try {
      sys.runtime().setup();
      body(sys.runtime());
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  sc_core::sc_start();
  EXPECT_TRUE(sys.top().finished());
  return error;
}

}  // namespace monde::test
