// The placement policies' cost model derived from the experiment's hardware with the same
// formulas the simulation runs on (core/perf), so that policies decide with the numbers the TLM
// model then simulates:
//   device -> GPU      perf::device_to_gpu_bytes_per_s (min of the CXL read and PCIe data rates)
//   host <-> device    CXL write / read data rates (NDP activations in, results out)
//   link latency       CXL one way + controller
//   NDP                perf::ndp_expert_time: the documented schedule, MAC tile cycles, the
//                      device DRAM at perf::sustained_dram_bytes_per_s and its unloaded latency
//   shared DRAM        the same DRAM rate: the GPU's weight copies and the NDP units share it
//   GPU compute        the GPU time model the TLM GPU charges (perf::make_gpu_time_model)
//   CPU                the experiment's `cpu` section; GPU memory budget: the run section.
#pragma once

#include <memory>

#include "core/config/system_config.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::system {

policy::SystemCostModel derive_cost_model(const config::SystemConfig& config,
                                          std::shared_ptr<const perf::GpuTimeModel> gpu);

}  // namespace monde::system
