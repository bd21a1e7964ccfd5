#include "system/derived_cost_model.hpp"

#include <algorithm>

namespace monde::system {

double GpuComputeTimeModel::expert_time_s(std::uint64_t tokens, const policy::ExpertShape& shape) const {
  return compute_->expert_time_s(tokens, shape.d_model, shape.d_ff, shape.gated);
}

policy::SystemCostModel derive_cost_model(const ExperimentConfig& e, const gpu::GpuModelConfig& g,
                                          std::shared_ptr<const gpu::GpuComputeModel> compute) {
  const auto& link = e.device.link;
  const auto& dram = e.device.dram;
  const auto& mac = e.ndp.mac;
  policy::SystemCostModel m;
  m.device_to_gpu_bytes_per_s = std::min(link.read_bytes_per_s(), g.pcie.data_bytes_per_s());
  m.host_to_device_bytes_per_s = link.write_bytes_per_s();
  m.device_to_host_bytes_per_s = link.read_bytes_per_s();
  m.link_latency_s = (link.one_way_ns() + link.controller_ns) * 1e-9;
  const double sustained = dram.peak_bandwidth_total() * dram.refresh_factor();
  m.ndp_dram_bytes_per_s =
      dram.model == mem::MemoryModel::kBandwidth ? sustained * dram.bandwidth_efficiency : sustained;
  const double clock_hz = mac.clock_mhz * 1e6;
  m.ndp_macs_per_s = double(e.ndp.units) * mac.shape.rows * mac.shape.cols * clock_hz;
  m.ndp_token_block = mac.shape.rows;  // tokens go through the arrays ROWS at a time
  const double tiles = double(ndp::kColumnsPerFetch) / mac.shape.cols;
  const double tail_cycles = tiles * ((e.model.gated ? 2.0 : 1.0) * (e.model.d_model + 2 + mac.shape.rows) +
                                      (e.model.d_ff + 2 + mac.shape.rows));
  m.ndp_job_overhead_s = 2 * e.ndp.mmio_latency_ns * 1e-9 + tail_cycles / clock_hz;
  m.cpu_weight_bytes_per_s = e.cpu.weight_bytes_per_s;
  m.cpu_flops_per_s = e.cpu.flops_per_s;
  m.gpu_host_activation_bytes_per_s = e.cpu.gpu_host_activation_bytes_per_s;
  m.gpu_memory_budget_bytes_per_layer = e.run.gpu_memory_budget_bytes_per_layer;
  m.gpu = std::make_shared<GpuComputeTimeModel>(std::move(compute));
  return m;
}

}  // namespace monde::system
