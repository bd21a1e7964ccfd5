// What an NdpDriver did, for stats.json and for tests (docs/driver.md, "Stats").
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

namespace monde::driver {

struct DriverStats {
  std::uint64_t experts_placed = 0;
  std::uint64_t jobs_submitted = 0;
  std::uint64_t jobs_completed = 0;  // consumed completions, ok or failed
  std::uint64_t jobs_failed = 0;     // completions with an error code
  // Tensor bytes by path. Weights go through CXL.mem unless debug_preload; activations (x)
  // always go through CXL.mem; results (y) are read through CXL.mem. In timing_only, weights
  // are not moved; x and y still cross CXL.mem as timed transfers (their bytes are not kept).
  std::uint64_t bytes_written_cxl = 0;      // weights + activations, timed CXL.mem writes
  std::uint64_t bytes_preloaded_debug = 0;  // weights, debug writes (debug_preload only)
  std::uint64_t bytes_read_cxl = 0;         // results, timed CXL.mem reads
  // Ring traffic (descriptors, CQ zeroing, completion reads), kept apart from tensor bytes.
  std::uint64_t ring_bytes_written = 0;
  std::uint64_t ring_bytes_read = 0;
  std::uint64_t register_reads = 0;
  std::uint64_t register_writes = 0;
  // Watchdog: timeouts seen, CONTROL.ABORTs written, resets with ring recovery, jobs lost in a
  // reset (failed with lost_in_reset) and jobs resubmitted after one.
  std::uint64_t timeouts = 0;
  std::uint64_t aborts = 0;
  std::uint64_t resets = 0;
  std::uint64_t jobs_lost_in_reset = 0;
  std::uint64_t jobs_resubmitted = 0;
  // "cxl_mem" or "debug_preload" once an expert was placed ("none" in timing_only, "" before).
  std::string which_path;
  // Waiting: wake-ups by the interrupt, completion-entry reads that found nothing new, submits
  // that found the SQ full and waited for a slot, and the most jobs ever in flight.
  std::uint64_t interrupts = 0;
  std::uint64_t empty_polls = 0;
  std::uint64_t submit_stalls = 0;
  std::uint64_t max_in_flight = 0;
  // Simulated time spent placing weights, and blocked for completions (in wait(), and in
  // submit() while the SQ was full).
  sc_core::sc_time placement_time = sc_core::SC_ZERO_TIME;
  sc_core::sc_time wait_time = sc_core::SC_ZERO_TIME;
};

}  // namespace monde::driver
