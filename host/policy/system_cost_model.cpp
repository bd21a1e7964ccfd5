#include "host/policy/system_cost_model.hpp"

#include <stdexcept>
#include <string>

namespace monde::policy {

namespace {

// Ranges are wide enough for any real part (a 0.001 GB/s floor rejects typos such as 0
// without constraining studies) and narrow enough to catch unit mistakes by 1e3-1e6.
constexpr double kMinGBps = 1e-3;
constexpr double kMaxGBps = 1e5;
constexpr double kMaxUs = 1e6;  // one second

void require_positive(double value, const char* field) {
  if (!(value > 0)) throw std::invalid_argument(std::string("SystemCostModel: ") + field + " must be > 0");
}

void require_non_negative(double value, const char* field) {
  if (!(value >= 0)) throw std::invalid_argument(std::string("SystemCostModel: ") + field + " must be >= 0");
}

}  // namespace

void validate(const SystemCostModel& m) {
  require_positive(m.device_to_gpu_bytes_per_s, "device_to_gpu_bytes_per_s");
  require_positive(m.host_to_device_bytes_per_s, "host_to_device_bytes_per_s");
  require_positive(m.device_to_host_bytes_per_s, "device_to_host_bytes_per_s");
  require_non_negative(m.link_latency_s, "link_latency_s");
  require_positive(m.ndp_dram_bytes_per_s, "ndp_dram_bytes_per_s");
  require_positive(m.ndp_macs_per_s, "ndp_macs_per_s");
  require_non_negative(m.ndp_job_overhead_s, "ndp_job_overhead_s");
  require_positive(m.cpu_weight_bytes_per_s, "cpu_weight_bytes_per_s");
  require_positive(m.cpu_flops_per_s, "cpu_flops_per_s");
  require_positive(m.gpu_host_activation_bytes_per_s, "gpu_host_activation_bytes_per_s");
  if (!m.gpu) throw std::invalid_argument("SystemCostModel: gpu time model is missing");
}

std::shared_ptr<const GpuTimeModel> parse_gpu_time_model(const config::ConfigNode& gpu) {
  const std::string model = gpu.get_choice("model", {"roofline"});
  gpu.reject_unknown_keys({"model", "peak_tflops", "hbm_GBps", "launch_us", "_comment", "_source"});
  return std::make_shared<RooflineGpuTimeModel>(gpu.get_double("peak_tflops", 1e-3, 1e5),
                                                gpu.get_double("hbm_GBps", kMinGBps, kMaxGBps),
                                                gpu.get_double("launch_us", 0.0, kMaxUs));
}

SystemCostModel parse_system_cost_model(const config::ConfigNode& s) {
  s.reject_unknown_keys({"device_to_gpu_GBps", "host_to_device_GBps", "device_to_host_GBps", "link_latency_us",
                         "ndp_dram_GBps", "ndp_macs_per_s", "ndp_job_overhead_us", "ndp_token_block", "cpu_weight_GBps",
                         "cpu_gflops", "gpu_host_activation_GBps", "gpu_memory_budget_bytes_per_layer", "gpu",
                         "_comment", "_source"});
  SystemCostModel m;
  m.device_to_gpu_bytes_per_s = s.get_double("device_to_gpu_GBps", kMinGBps, kMaxGBps) * 1e9;
  m.host_to_device_bytes_per_s = s.get_double("host_to_device_GBps", kMinGBps, kMaxGBps) * 1e9;
  m.device_to_host_bytes_per_s = s.get_double("device_to_host_GBps", kMinGBps, kMaxGBps) * 1e9;
  m.link_latency_s = s.get_double("link_latency_us", 0.0, kMaxUs) * 1e-6;
  m.ndp_dram_bytes_per_s = s.get_double("ndp_dram_GBps", kMinGBps, kMaxGBps) * 1e9;
  m.ndp_macs_per_s = s.get_double("ndp_macs_per_s", 1e6, 1e18);
  m.ndp_token_block = static_cast<std::uint32_t>(s.get_uint("ndp_token_block", 1, 4096, 1));
  m.ndp_job_overhead_s = s.get_double("ndp_job_overhead_us", 0.0, kMaxUs) * 1e-6;
  m.cpu_weight_bytes_per_s = s.get_double("cpu_weight_GBps", kMinGBps, kMaxGBps) * 1e9;
  m.cpu_flops_per_s = s.get_double("cpu_gflops", 1e-3, 1e8) * 1e9;
  m.gpu_host_activation_bytes_per_s = s.get_double("gpu_host_activation_GBps", kMinGBps, kMaxGBps) * 1e9;
  // 2^50 bytes (1 PiB) is beyond any GPU; the bound only catches sign and unit slips.
  m.gpu_memory_budget_bytes_per_layer = s.get_uint("gpu_memory_budget_bytes_per_layer", 0, std::uint64_t{1} << 50);
  m.gpu = parse_gpu_time_model(s.child("gpu"));
  return m;
}

}  // namespace monde::policy
