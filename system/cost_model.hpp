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
//   CPU                the experiment's `cpu` section (compute rate CpuConfig::flops_per_s()); GPU
//                      memory budget: the run section.
#pragma once

#include <memory>
#include <string>

#include "core/config/system_config.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::system {

policy::SystemCostModel derive_cost_model(const config::SystemConfig& config,
                                          std::shared_ptr<const perf::GpuTimeModel> gpu);

// The same model for a host-memory baseline taking experts from the copy in host DRAM
// (host_memory.expert_home host_memory; policy::PolicyInfo::reads_host_memory_copy):
//   host -> GPU        perf::host_to_gpu_bytes_per_s: min(host DRAM sustained, PCIe data rate)
//   latency            host DRAM latency + the PCIe link's one-way latency, per fetch
//   CPU weights        perf::host_memory_bytes_per_s (the CPU reads its own DRAM)
//   shared medium      host DRAM: the GPU's fetches and the CPU's reads share its bandwidth
//                      (shared_link_bytes_per_s); the device DRAM is not shared (0)
// Everything else (GPU compute, CPU flops, NDP, GPU <-> host copies) is `device_model`'s.
policy::SystemCostModel host_memory_cost_model(const policy::SystemCostModel& device_model,
                                               const config::SystemConfig& config);

// True when `policy` runs from host memory in this experiment (expert_home host_memory and a
// host-memory baseline); false for unknown names.
bool uses_host_memory_copy(const config::SystemConfig& config, const std::string& policy);

}  // namespace monde::system
