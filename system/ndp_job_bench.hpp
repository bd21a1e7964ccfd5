// The `monde-sim ndp` testbench: whole expert-FFN jobs (tlm/ndp/ndp_vectors.hpp) through the
// whole MoNDE device, as the host sees it. The device comes from build_device() (CXL link,
// controller, DRAM, NDP engine and units with the configured pe_model); a host thread drives it
// with the NDP driver (host/driver): init (registers, rings, enable), each job's weights placed
// through CXL.mem, x written, the descriptor through the submission ring and the doorbell, the
// completion from the completion ring on the interrupt, then y and h read back. Jobs run one
// after another in file order.
//
// Elaborates its own design: call once per process, before any other sc_start().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "core/config/device_config.hpp"
#include "tlm/ndp/ndp_job_check.hpp"
#include "tlm/ndp/ndp_vectors.hpp"

namespace monde::system {

struct NdpBenchResult {
  std::vector<ndp::NdpJobOutcome> outcomes;           // one per job that ran, in order
  // Per job: from the start of submit() (x written, descriptor, doorbell) to the completion seen.
  std::vector<sc_core::sc_time> submit_to_completion;
  sc_core::sc_time simulated = sc_core::SC_ZERO_TIME;    // the whole run (init and placements included)
  std::string error;  // not empty when the run stopped early (a driver error): what happened and to which job
};

NdpBenchResult run_ndp_jobs(const config::DeviceConfig& device, const std::vector<ndp::VectorJob>& jobs);

// What the device's limits (device.ndp: dim_align, max dimensions, the activation buffer) say
// about a job that is expected to complete ok, before anything is simulated: "" when it fits,
// else why not and what is allowed. Jobs expecting an error code are not checked (they may
// break limits on purpose).
std::string check_job_fits(const config::DeviceConfig& device, const ndp::VectorJob& job);

}  // namespace monde::system
