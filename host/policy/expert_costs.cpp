#include "host/policy/expert_costs.hpp"

#include <algorithm>

#include "core/perf/cpu_expert_time.hpp"
#include "core/perf/expert_split.hpp"
#include "core/perf/gpu_dequant.hpp"
#include "core/perf/transformer_work.hpp"

namespace monde::policy {

namespace {

double as_double(std::uint64_t v) { return static_cast<double>(v); }

double activation_bytes(const ExpertShape& shape, std::uint64_t tokens) {
  return as_double(shape.activation_bytes_per_token()) * as_double(tokens);
}

}  // namespace

double fetch_time_s(const SystemCostModel& m, const ExpertShape& shape) {
  return m.link_latency_s + as_double(shape.gpu_fetch_bytes()) / m.device_to_gpu_bytes_per_s;
}

double gpu_compute_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens, bool fetched) {
  const double dequant_s = fetched ? perf::gpu_dequant_time_s(*m.gpu, shape) : 0.0;
  return dequant_s + m.gpu->expert_time_s(tokens, shape);
}

namespace {

// One job shape's cost (the whole expert, or a slice) with `partials` outputs crossing PCIe.
NdpExpertCost ndp_cost(const SystemCostModel& m, const ExpertShape& job, std::uint64_t tokens, std::uint32_t partials) {
  const perf::NdpExpertTime t = m.ndp->expert_time(tokens, job);
  const double in_s = activation_bytes(job, tokens) / m.host_to_device_bytes_per_s;
  const double out_s = activation_bytes(job, tokens) / m.device_to_host_bytes_per_s;
  // The same bytes cross PCIe between the GPU and host memory, before and after (batched per
  // layer: the copies' fixed cost is in ndp_fixed_time_s); a split expert's N partials all do.
  const double pcie_s = m.gpu_host_copy.bytes_per_s > 0
                            ? double(1 + partials) * activation_bytes(job, tokens) / m.gpu_host_copy.bytes_per_s
                            : 0.0;
  return NdpExpertCost{t.time_s, t.dram_busy_s, in_s + t.time_s + out_s + pcie_s};
}

}  // namespace

NdpExpertCost ndp_expert_cost(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return ndp_cost(m, shape, tokens, 1);
}

double split_reduce_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint32_t devices,
                           std::uint64_t tokens) {
  return perf::kernel_time_s(*m.gpu, perf::split_reduce_kernel(shape, devices, tokens));
}

std::vector<NdpDeviceCost> ndp_device_costs(const SystemCostModel& m, const LayerDemand& demand, std::size_t expert) {
  const std::uint64_t tokens = demand.tokens_per_expert[expert];
  if (!demand.split()) return {NdpDeviceCost{demand.device_of(expert), ndp_expert_cost(m, demand.shape_of(expert), tokens)}};
  const std::uint32_t n = demand.split_devices;
  std::vector<NdpDeviceCost> out;
  const auto slices = perf::split_d_ff(demand.shape, n);
  for (std::uint32_t d = 0; d < n; ++d) {
    out.push_back(NdpDeviceCost{d, ndp_cost(m, perf::slice_shape(demand.shape, slices[d]), tokens, n)});
  }
  return out;
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
