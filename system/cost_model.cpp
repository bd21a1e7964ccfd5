#include "system/cost_model.hpp"

#include <algorithm>

#include "core/perf/bandwidth.hpp"
#include "core/perf/gpu_host_copy.hpp"
#include "core/perf/ndp_job_time.hpp"
#include "host/policy/policy_registry.hpp"

namespace monde::system {

policy::SystemCostModel derive_cost_model(const config::SystemConfig& e, std::shared_ptr<const perf::GpuTimeModel> gpu) {
  const auto& link = e.device.link;
  const auto& dram = e.device.dram;
  policy::SystemCostModel m;
  m.device_to_gpu_bytes_per_s =
      perf::device_to_gpu_bytes_per_s(link, e.gpu.pcie, e.devices.interleaved() ? e.devices.count : 1);
  m.host_to_device_bytes_per_s = link.write_bytes_per_s();
  m.device_to_host_bytes_per_s = link.read_bytes_per_s();
  m.link_latency_s = (link.one_way_ns() + link.controller_ns) * 1e-9;
  m.gpu_host_copy = perf::gpu_host_copy(e.gpu);
  perf::NdpTiming ndp;
  ndp.ndp = e.device.ndp;
  ndp.dram_bytes_per_s = perf::sustained_dram_bytes_per_s(dram);
  ndp.dram_latency_s = static_cast<double>(dram.unloaded_read_latency_ps()) * 1e-12;
  m.ndp = std::make_shared<policy::ScheduleNdpTime>(ndp);
  m.shared_dram_bytes_per_s = ndp.dram_bytes_per_s;
  m.shared_link_bytes_per_s = link.read_bytes_per_s();
  // The CPU reads at its own rate, which the link caps (the simulation paces its reads the same way).
  m.cpu_weight_bytes_per_s = std::min(e.cpu.weight_bytes_per_s, link.read_bytes_per_s());
  m.cpu_flops_per_s = e.cpu.flops_per_s();
  m.gpu_host_activation_bytes_per_s = e.cpu.gpu_host_activation_bytes_per_s;
  m.gpu_memory_budget_bytes_per_layer = e.run.gpu_memory_budget_bytes_per_layer;
  m.gpu = std::move(gpu);
  m.ndp_devices = e.devices.count;
  return m;
}

policy::SystemCostModel host_memory_cost_model(const policy::SystemCostModel& device_model,
                                               const config::SystemConfig& e) {
  policy::SystemCostModel m = device_model;
  const double host = perf::host_memory_bytes_per_s(e.host_memory);
  m.device_to_gpu_bytes_per_s = perf::host_to_gpu_bytes_per_s(e.host_memory, e.gpu.pcie);
  m.link_latency_s = (e.host_memory.latency_ns + e.gpu.pcie.latency_ns) * 1e-9;
  m.cpu_weight_bytes_per_s = host;
  m.shared_link_bytes_per_s = host;
  m.shared_dram_bytes_per_s = 0;
  return m;
}

bool uses_host_memory_copy(const config::SystemConfig& config, const std::string& policy) {
  const policy::PolicyInfo* p = policy::find_policy(policy);
  return config.host_memory.expert_home == config::ExpertHome::kHostMemory && p != nullptr && p->reads_host_memory_copy;
}

}  // namespace monde::system
