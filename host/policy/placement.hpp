// A policy's decision for one layer (where each expert runs) and its score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace monde::policy {

enum class ExpertLocation {
  kIdle,         // no tokens routed: the expert does not run
  kGpuFetched,   // weights copied device -> GPU for this layer, computed on the GPU
  kGpuResident,  // weights already in GPU memory (pinned or cached), computed on the GPU
  kNdp,          // computed inside the MoNDE device by its NDP units
  kCpu,          // computed by the host CPU reading the weights over CXL.mem
};

const char* to_string(ExpertLocation location);
bool runs_on_gpu(ExpertLocation location);

// Time per path, and bytes per traffic class, of one placed layer (see docs/policies.md).
struct CostBreakdown {
  double gpu_transfer_s = 0;  // sum of weight-fetch times (link busy time)
  double gpu_compute_s = 0;   // sum of GPU expert times
  double gpu_path_s = 0;      // fetches pipelined with compute
  double ndp_job_s = 0;       // sum of NDP job times (units busy time)
  double ndp_dram_wait_s = 0; // NDP path time lost to the GPU's weight copies reading the same DRAM
  double cpu_link_wait_s = 0; // CPU path time lost to the GPU's weight copies on the same CXL link
  double ndp_path_s = 0;      // activations in + jobs + results out + the DRAM wait (+ the split reduction)
  double split_reduce_s = 0;  // a split layer's reduction of its NDP experts' partials on the GPU
  double cpu_path_s = 0;
  double makespan_s = 0;      // max of the three paths: they run concurrently

  std::uint64_t weights_to_gpu_bytes = 0;      // device -> GPU (CXL read, then PCIe)
  std::uint64_t activations_to_ndp_bytes = 0;  // host -> device (CXL write)
  std::uint64_t results_from_ndp_bytes = 0;    // device -> host (CXL read)
  std::uint64_t ndp_dram_read_bytes = 0;       // device DRAM -> NDP units (internal)
  std::uint64_t weights_to_cpu_bytes = 0;      // device -> CPU (CXL.mem read)
  std::uint64_t cpu_activation_bytes = 0;      // GPU <-> host, both directions (PCIe)

  std::size_t experts_gpu_fetched = 0;
  std::size_t experts_gpu_resident = 0;
  std::size_t experts_ndp = 0;
  std::size_t experts_cpu = 0;
};

struct Placement {
  std::vector<ExpertLocation> location;  // one per expert of the layer
  CostBreakdown cost;                    // filled by evaluate()
};

}  // namespace monde::policy
