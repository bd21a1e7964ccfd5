// One copy of activations between the GPU and pinned host memory (cudaMemcpy over the GPU's PCIe
// link): a fixed cost per copy plus the bytes at the link's data rate. The NDP path pays it twice
// per MoE layer (the cold experts' routed activations GPU -> host before the CXL writes, their
// results host -> GPU after the CXL reads): the simulation waits time_s(bytes) and the policies'
// cost model charges latency_s once per direction and bytes / bytes_per_s per expert, the same sum.
#pragma once

#include "core/config/gpu_config.hpp"

namespace monde::perf {

struct GpuHostCopy {
  double latency_s = 0;     // gpu.host_copy_latency_us
  double bytes_per_s = 0;   // gpu.pcie data rate; 0: the hop is not modelled (hand-built cost models)
  // 0 for 0 bytes (no copy is issued).
  double time_s(double bytes) const;
};

GpuHostCopy gpu_host_copy(const config::GpuConfig& gpu);

}  // namespace monde::perf
