// Cost models written by hand for the policy tests and benchmarks, in the JSON the tests have
// always used (keys carry units):
//   {"device_to_gpu_GBps", "host_to_device_GBps", "device_to_host_GBps", "link_latency_us",
//    "ndp_dram_GBps", "ndp_macs_per_s", "ndp_job_overhead_us", ["ndp_token_block"],
//    "cpu_weight_GBps", "cpu_gflops", "gpu_host_activation_GBps", "gpu_memory_budget_bytes_per_layer",
//    ["shared_dram_GBps"], ["shared_link_GBps"], "gpu": {"model": "roofline", "peak_tflops", "hbm_GBps", "launch_us"}}
// The NDP is the hand-specified bound (policy::BoundNdpTime); shared_dram_GBps (default 0: not
// modelled) turns on the GPU-copy / NDP DRAM sharing, shared_link_GBps the GPU-copy / CPU-read
// CXL link sharing. A test fixture, not a user configuration:
// experiments derive their cost model from the hardware (system/cost_model.hpp).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/perf/gpu_time_model.hpp"
#include "core/perf/roofline.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy::test {

inline policy::SystemCostModel hand_cost_model(const nlohmann::json& j) {
  policy::SystemCostModel m;
  m.device_to_gpu_bytes_per_s = j.at("device_to_gpu_GBps").get<double>() * 1e9;
  m.host_to_device_bytes_per_s = j.at("host_to_device_GBps").get<double>() * 1e9;
  m.device_to_host_bytes_per_s = j.at("device_to_host_GBps").get<double>() * 1e9;
  m.link_latency_s = j.at("link_latency_us").get<double>() * 1e-6;
  m.ndp = std::make_shared<policy::BoundNdpTime>(j.at("ndp_dram_GBps").get<double>() * 1e9,
                                                 j.at("ndp_macs_per_s").get<double>(),
                                                 j.at("ndp_job_overhead_us").get<double>() * 1e-6,
                                                 j.value("ndp_token_block", 1u));
  m.shared_dram_bytes_per_s = j.value("shared_dram_GBps", 0.0) * 1e9;
  m.shared_link_bytes_per_s = j.value("shared_link_GBps", 0.0) * 1e9;
  m.cpu_weight_bytes_per_s = j.at("cpu_weight_GBps").get<double>() * 1e9;
  m.cpu_flops_per_s = j.at("cpu_gflops").get<double>() * 1e9;
  m.gpu_host_activation_bytes_per_s = j.at("gpu_host_activation_GBps").get<double>() * 1e9;
  m.gpu_memory_budget_bytes_per_layer = j.at("gpu_memory_budget_bytes_per_layer").get<std::uint64_t>();
  const auto& g = j.at("gpu");
  m.gpu = std::make_shared<perf::RooflineGpuTime>(perf::datasheet_roofline(
      g.at("peak_tflops").get<double>(), g.at("hbm_GBps").get<double>(), g.at("launch_us").get<double>()));
  return m;
}

inline policy::SystemCostModel hand_cost_model(const std::string& text) {
  return hand_cost_model(nlohmann::json::parse(text));
}

// The zero-overhead hand model most policy tests derive by hand (test_policy_baselines.cpp,
// _monde, _pinning, _monde_paper, _expert_cache): links 2 GB/s each way with no latency, NDP DRAM
// 20 GB/s, 1e10 MACs/s and no job overhead, CPU 10 GB/s and 100 GFLOP/s, GPU roofline 0.2 TFLOP/s,
// 2000 GB/s HBM, no launch time. For an expert of 1000 x 500 (plain FFN, bf16: 2e6 B):
// fetch 2e6 B / 2 GB/s = 1000 us, GPU c(tok) = max(10 tok, 1) us.
inline policy::SystemCostModel zero_overhead_hand_model() {
  return hand_cost_model(nlohmann::json::parse(R"({
    "device_to_gpu_GBps": 2, "host_to_device_GBps": 2, "device_to_host_GBps": 2, "link_latency_us": 0,
    "ndp_dram_GBps": 20, "ndp_macs_per_s": 1e10, "ndp_job_overhead_us": 0,
    "cpu_weight_GBps": 10, "cpu_gflops": 100, "gpu_host_activation_GBps": 1,
    "gpu_memory_budget_bytes_per_layer": 0,
    "gpu": {"model": "roofline", "peak_tflops": 0.2, "hbm_GBps": 2000, "launch_us": 0}})"));
}

// The several-devices hand model (test_policy_devices.cpp, test_policy_split.cpp): links 2 GB/s
// each way, 1 us latency, NDP DRAM 20 GB/s and a 10 us job overhead per device, the MAC rate
// given (1e10 / s: MAC-bound at 1 token of a 1e6-MAC expert; 1e11: memory-bound), `devices`
// devices.
inline policy::SystemCostModel hand_device_model(std::uint32_t devices, double ndp_macs_per_s) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "device_to_gpu_GBps": 2, "host_to_device_GBps": 2, "device_to_host_GBps": 2, "link_latency_us": 1,
    "ndp_dram_GBps": 20, "ndp_job_overhead_us": 10,
    "cpu_weight_GBps": 10, "cpu_gflops": 100, "gpu_host_activation_GBps": 1,
    "gpu_memory_budget_bytes_per_layer": 0,
    "gpu": {"model": "roofline", "peak_tflops": 0.2, "hbm_GBps": 2000, "launch_us": 5}})");
  j["ndp_macs_per_s"] = ndp_macs_per_s;
  policy::SystemCostModel m = hand_cost_model(j);
  m.ndp_devices = devices;
  return m;
}

}  // namespace monde::policy::test
