// The numbers the placement cost model runs on: link and compute rates of the GPU, the
// MoNDE device (its DRAM and NDP units) and the host CPU. All fields are SI (bytes/s, s,
// MAC/s, flop/s); the JSON keys carry their own units (GBps = 1e9 bytes/s, us, ...).
#pragma once

#include <cstdint>
#include <memory>

#include "core/config/config_node.hpp"
#include "host/policy/gpu_time_model.hpp"

namespace monde::policy {

struct SystemCostModel {
  // Expert weights from device memory into GPU memory. The caller passes the effective rate
  // of the whole path (min of the CXL read bandwidth and the GPU's PCIe link).
  double device_to_gpu_bytes_per_s = 0;
  // Activations into the device for NDP jobs, and NDP results back out, over CXL.
  double host_to_device_bytes_per_s = 0;
  double device_to_host_bytes_per_s = 0;
  // One-way latency added once per transfer (each weight fetch, each activation batch).
  double link_latency_s = 0;
  // Device-internal DRAM bandwidth the NDP units stream weights at.
  double ndp_dram_bytes_per_s = 0;
  // Aggregate NDP MAC rate: units x array rows x array columns x clock.
  double ndp_macs_per_s = 0;
  // Fixed cost of one NDP job (descriptor fetch, doorbell, completion), per expert.
  double ndp_job_overhead_s = 0;
  // The MAC arrays take tokens in blocks of this many rows; a partial block costs a whole one
  // (so 17 tokens on 16-row arrays cost 32). 1 = every token slot used.
  std::uint32_t ndp_token_block = 1;
  // Host CPU running cold experts (`cpu` policy): weights read over CXL.mem, its compute
  // rate, and the GPU<->host PCIe rate that its activations and results cross.
  double cpu_weight_bytes_per_s = 0;
  double cpu_flops_per_s = 0;
  double gpu_host_activation_bytes_per_s = 0;
  // GPU memory one MoE layer may keep experts pinned in (`static_freq`, `context`). The
  // runtime divides the GPU's spare memory among the layers.
  std::uint64_t gpu_memory_budget_bytes_per_layer = 0;
  // GPU compute time of one expert.
  std::shared_ptr<const GpuTimeModel> gpu;
};

// Throws std::invalid_argument naming the first field that is not a positive rate (or a
// negative latency/overhead), or a missing GPU time model. The evaluator calls it on entry,
// so hand-built models are checked as strictly as parsed ones.
void validate(const SystemCostModel& model);

// Reads a cost-model section, for example
//   {"device_to_gpu_GBps": 32, "host_to_device_GBps": 32, "device_to_host_GBps": 32,
//    "link_latency_us": 1, "ndp_dram_GBps": 273, "ndp_macs_per_s": 1.6e13,
//    "ndp_job_overhead_us": 2, "cpu_weight_GBps": 40, "cpu_gflops": 2000,
//    "gpu_host_activation_GBps": 25, "gpu_memory_budget_bytes_per_layer": 2147483648,
//    "gpu": {"model": "roofline", "peak_tflops": 989, "hbm_GBps": 3350, "launch_us": 5}}
// Every key is required and range-checked; unknown keys are errors. Throws monde::config::ConfigError.
SystemCostModel parse_system_cost_model(const config::ConfigNode& section);

// The "gpu" sub-section. `model` picks the implementation; a calibrated-profile model is
// added here as another choice.
std::shared_ptr<const GpuTimeModel> parse_gpu_time_model(const config::ConfigNode& gpu);

}  // namespace monde::policy
