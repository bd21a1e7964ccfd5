// How an NdpDriver runs (docs/driver.md, "Options").
#pragma once

#include <cstddef>
#include <cstdint>

#include <systemc>

namespace monde::driver {

struct DriverOptions {
  // Place expert weights with debug writes (no simulated time, no link traffic) instead of
  // CXL.mem writes. Only for runs whose configuration says the weights are already resident;
  // DriverStats::which_path records the path used. Activations always go through CXL.mem.
  bool debug_preload = false;
  // How wait() learns of completions: the device's interrupt (CONTROL.IRQ_EN set; the thread
  // sleeps on the interrupt edge) or polling the next completion entry every poll_interval.
  enum class Wait { kInterrupt, kPolling };
  Wait wait = Wait::kInterrupt;
  sc_core::sc_time poll_interval = sc_core::sc_time(1, sc_core::SC_US);
  // Ring sizes: powers of two in 2..4096. At most sq_entries - 1 jobs are in flight.
  unsigned sq_entries = 64;
  unsigned cq_entries = 64;
  // Largest single CXL.mem transaction of a tensor transfer (one b_transport). Bigger tensors
  // are written / read in pieces of this size, so one call never holds a huge payload and a
  // concurrent initiator can interleave on the link between pieces.
  std::size_t write_chunk_bytes = std::size_t{1} << 20;
  // data: timing_only. The device memory keeps no bytes: tensors are not written or read at
  // all (weights and activations are taken as already resident, y comes back empty), and the
  // rings, which must hold real bytes, are written and read with debug accesses.
  bool timing_only = false;
  // Watchdog (docs/driver.md, "Timeouts"): jobs in flight and no completion for job_timeout ->
  // CONTROL.ABORT (the job completes with `aborted`); still none for job_timeout after that ->
  // reset the device, recover the rings and resubmit the other jobs in flight (the stuck one
  // fails with `lost_in_reset`). Zero: no watchdog (a device that never answers hangs wait()).
  sc_core::sc_time job_timeout = sc_core::sc_time(1, sc_core::SC_SEC);
  // Weights only: the driver places expert weights in the memory behind the bus and nothing else
  // (init() and submit() throw DriverError; place_expert needs no init()). For an HDM range
  // interleaved across several devices (devices.interleave_granularity), whose bytes no single
  // NDP register block and ring can address (docs/interleave.md). The range's first 4 KiB stay
  // unused, as the rings keep them in a normal driver (no tensor at address 0).
  bool memory_only = false;
  // Alignment of each placed expert's first tensor (its w_up, or its quantised copy's first
  // tensor), bytes: a power of two, at least the 4 KiB tensor alignment. On an HDM range
  // interleaved across devices the runtime sets the granularity (or more), so that the slices of an
  // expert, placed at the same address on every device, form one contiguous host address range
  // (docs/interleave.md).
  std::uint64_t expert_alignment = 4096;
};

}  // namespace monde::driver
