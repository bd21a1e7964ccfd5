// Time terms of one expert on each path. Every policy and the evaluator take their numbers
// from here, so that a decision and its score always agree.
#pragma once

#include <cstdint>
#include <vector>

#include "host/policy/layer_demand.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// Copying one expert's weights from the device into GPU memory (one DMA: latency + bytes/rate);
// the bytes are ExpertShape::gpu_fetch_bytes (the quantised copy with gpu.fetch_quantised).
double fetch_time_s(const SystemCostModel& m, const ExpertShape& shape);

// The GPU running the expert for `tokens` tokens with its weights in GPU memory; an expert that
// was just `fetched` as the quantised copy first pays the dequantise kernel
// (core/perf/gpu_dequant.hpp), a resident one does not.
double gpu_compute_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens, bool fetched);

// The expert on the NDP path, from one evaluation of SystemCostModel::ndp.
struct NdpExpertCost {
  double job_s = 0;        // the expert's NDP jobs
  double dram_busy_s = 0;  // how long those jobs keep the device DRAM streaming
  double share_s = 0;      // the path's per-expert share: activations GPU -> host -> device, the jobs, results back
};
NdpExpertCost ndp_expert_cost(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens);
double ndp_job_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens);  // .job_s

// An expert's NDP work on each device it runs on: its own device with its whole shape, or in a
// split layer (demand.split()) one d_ff slice on each device 0 .. N-1. A slice's share: x into its
// device over that device's CXL link, the slice's jobs, its partial y back over the link; and, on
// every device's path (the copies wait for all devices' partials): the PCIe hop of x once and of
// the N partials to the GPU ((1 + N) x T x d_model x 2 bytes, the NDP path's copy formula).
struct NdpDeviceCost {
  std::uint32_t device = 0;
  NdpExpertCost cost;
};
std::vector<NdpDeviceCost> ndp_device_costs(const SystemCostModel& m, const LayerDemand& demand, std::size_t expert);
// A split layer's reduction on the GPU: one elementwise kernel over all its NDP experts' partials
// (`tokens`: their routed tokens), after the NDP path (core/perf/expert_split.hpp,
// split_reduce_kernel, timed with the GPU time model). 0 for no tokens.
double split_reduce_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint32_t devices,
                           std::uint64_t tokens);

// Paid once per layer when any expert runs on NDP: one latency for the activation write and
// one for the result read (the activations of all NDP experts move as one batch each way), over
// CXL and as GPU <-> host copies.
double ndp_fixed_time_s(const SystemCostModel& m);

// The CPU computing the expert (`cpu` policy; core/perf/cpu_expert_time.hpp): weights read over
// CXL.mem at the CPU's rate or its flops, whichever is slower, plus the expert's activations and
// results over PCIe; and, of that time, how long it reads weights over the CXL link.
struct CpuExpertCost {
  double share_s = 0;
  double read_s = 0;
};
CpuExpertCost cpu_expert_cost(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens);
double cpu_expert_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens);  // .share_s

// Paid once per layer when any expert runs on the CPU: latency each way.
double cpu_fixed_time_s(const SystemCostModel& m);

}  // namespace monde::policy
