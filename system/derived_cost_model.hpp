// The placement policies' cost model (policy::SystemCostModel) derived from the configured
// hardware, so that policies decide with the same numbers the TLM model then simulates:
//   device -> GPU      min(CXL read bandwidth, PCIe data bandwidth)     (weights of hot experts)
//   host -> device     CXL write bandwidth; device -> host: CXL read    (NDP activations, results)
//   link latency       CXL one way + controller
//   NDP DRAM           sustained device DRAM bandwidth (bandwidth model: peak x refresh x
//                      efficiency; timed model: peak x refresh)
//   NDP MACs           units x rows x cols x clock, tokens rounded up to whole blocks of rows
//   NDP job overhead   two CXL.io register accesses (doorbell, CQ head) + the tiles of the last
//                      weight fetch of each phase, which run after the DRAM stream ended:
//                      (32 / cols) x [matrices_up x (d_model + 2 + rows) + (d_ff + 2 + rows)] cycles
//   GPU compute        the same GpuComputeModel the TLM GPU uses (profile or roofline)
//   CPU                the experiment's `cpu` section; GPU memory budget: run section.
#pragma once

#include <memory>

#include "tlm/gpu/gpu_compute_model.hpp"
#include "tlm/gpu/gpu_model_config.hpp"
#include "host/policy/system_cost_model.hpp"
#include "system/experiment_config.hpp"

namespace monde::system {

// Adapts the TLM GPU's compute model to the policy interface.
class GpuComputeTimeModel final : public policy::GpuTimeModel {
 public:
  explicit GpuComputeTimeModel(std::shared_ptr<const gpu::GpuComputeModel> compute) : compute_(std::move(compute)) {}
  double expert_time_s(std::uint64_t tokens, const policy::ExpertShape& shape) const override;

 private:
  std::shared_ptr<const gpu::GpuComputeModel> compute_;
};

policy::SystemCostModel derive_cost_model(const ExperimentConfig& e, const gpu::GpuModelConfig& g,
                                          std::shared_ptr<const gpu::GpuComputeModel> compute);

}  // namespace monde::system
