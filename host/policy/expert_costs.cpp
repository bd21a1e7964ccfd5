#include "host/policy/expert_costs.hpp"

#include <algorithm>

#include "core/perf/cpu_expert_time.hpp"

namespace monde::policy {

namespace {

double as_double(std::uint64_t v) { return static_cast<double>(v); }

double activation_bytes(const ExpertShape& shape, std::uint64_t tokens) {
  return as_double(shape.activation_bytes_per_token()) * as_double(tokens);
}

}  // namespace

double fetch_time_s(const SystemCostModel& m, const ExpertShape& shape) {
  return m.link_latency_s + as_double(shape.weight_bytes()) / m.device_to_gpu_bytes_per_s;
}

double gpu_compute_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return m.gpu->expert_time_s(tokens, shape);
}

NdpExpertCost ndp_expert_cost(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  const perf::NdpExpertTime t = m.ndp->expert_time(tokens, shape);
  const double in_s = activation_bytes(shape, tokens) / m.host_to_device_bytes_per_s;
  const double out_s = activation_bytes(shape, tokens) / m.device_to_host_bytes_per_s;
  // The same bytes cross PCIe between the GPU and host memory, before and after (batched per
  // layer: the copies' fixed cost is in ndp_fixed_time_s).
  const double pcie_s = m.gpu_host_copy.bytes_per_s > 0 ? 2.0 * activation_bytes(shape, tokens) / m.gpu_host_copy.bytes_per_s : 0.0;
  return NdpExpertCost{t.time_s, t.dram_busy_s, in_s + t.time_s + out_s + pcie_s};
}

double ndp_job_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return ndp_expert_cost(m, shape, tokens).job_s;
}

double ndp_fixed_time_s(const SystemCostModel& m) {
  const double copies = m.gpu_host_copy.bytes_per_s > 0 ? 2.0 * m.gpu_host_copy.latency_s : 0.0;
  return 2.0 * m.link_latency_s + copies;
}

CpuExpertCost cpu_expert_cost(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  const perf::CpuExpertTime t = perf::cpu_expert_time(shape, tokens, m.cpu_weight_bytes_per_s, m.cpu_flops_per_s,
                                                      m.gpu_host_activation_bytes_per_s);
  return CpuExpertCost{t.time_s(), t.read_s};
}

double cpu_expert_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return cpu_expert_cost(m, shape, tokens).share_s;
}

double cpu_fixed_time_s(const SystemCostModel& m) { return 2.0 * m.link_latency_s; }

}  // namespace monde::policy
