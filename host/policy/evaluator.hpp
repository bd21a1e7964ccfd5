// The one scorer of placements: every policy's decision is timed by this function, so that
// policies are compared on identical terms (cost model in docs/policies.md).
#pragma once

#include <vector>

#include "host/policy/layer_demand.hpp"
#include "host/policy/path_timers.hpp"
#include "host/policy/placement.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// Times `placement.location` (its `cost` field is ignored). Throws std::invalid_argument when
// the placement does not fit the demand: wrong length, an active expert marked idle, or an
// expert with no tokens marked anything but idle. A kGpuResident mark is trusted: the policy
// (or the runtime's cache behind demand.gpu_resident) owns what is in GPU memory.
CostBreakdown evaluate(const Placement& placement, const LayerDemand& demand, const SystemCostModel& model);

// The CPU path's end as evaluate() charges it: its serial time plus the delay that the GPU's
// weight copies (gpu.transfer_end_s()) inflict on it over the shared CXL link (an NDP path's:
// device_dram_wait_s below). The search in the oracle ends its candidate paths with these too,
// so that its values are the evaluator's to the bit.
double cpu_link_wait_s(const SerialPathTimer& cpu, const GpuPipelineTimer& gpu, const SystemCostModel& model);

// The NDP part of a layer on model.ndp_devices devices: one serial path per device (each with the
// fixed cost ndp_fixed_time_s), and how many of the GPU's weight copies read each device's DRAM.
// A device's path is slowed by the copies reading its DRAM only: they cross the one PCIe link at
// device_to_gpu_bytes_per_s in all, and device d's share of that stream is taken as its share of
// the fetched experts, spread over the whole copy window (the GPU queues the copies in job order,
// so this is an average, not the instantaneous rate). One device: the copies' whole rate.
class NdpPaths {
 public:
  explicit NdpPaths(const SystemCostModel& model);
  void add(std::uint32_t device, double share_s, double streaming_s) { paths_.at(device).add(share_s, streaming_s); }
  void count_fetch(std::uint32_t device) {
    ++fetched_.at(device);
    ++fetched_total_;
  }
  struct Time {
    double path_s = 0;       // the slowest device's path, with its DRAM wait
    double dram_wait_s = 0;  // that device's DRAM wait
  };
  Time time(const GpuPipelineTimer& gpu, const SystemCostModel& model) const;
  // Device d's path alone (its serial time plus its DRAM wait).
  double device_path_s(std::uint32_t device, const GpuPipelineTimer& gpu, const SystemCostModel& model) const;

 private:
  double dram_wait_s(std::uint32_t device, const GpuPipelineTimer& gpu, const SystemCostModel& model) const;
  std::vector<SerialPathTimer> paths_;
  std::vector<std::uint64_t> fetched_;
  std::uint64_t fetched_total_ = 0;
};

// Counts expert `expert`'s GPU copy against the devices it reads: its own, or with a split layer
// every device (one slice each, so each device's share of the copies is 1 / N of it).
void count_fetch(NdpPaths& ndp, const LayerDemand& demand, std::size_t expert);

// The rate at which the GPU's copies read one device: device_to_gpu_bytes_per_s x its share of
// the fetched experts (all of it when nothing was fetched, or with one device).
double device_fetch_bytes_per_s(const SystemCostModel& model, std::uint64_t fetched_from_device,
                                std::uint64_t fetched_total);

// One device's NDP path's wait on the GPU's copies that read its DRAM (`fetched_from_device` of
// `fetched_total` copies): NdpPaths charges each device this, and the oracle's search ends its
// candidates' device paths with it.
double device_dram_wait_s(const SerialPathTimer& ndp, const GpuPipelineTimer& gpu, const SystemCostModel& model,
                          std::uint64_t fetched_from_device, std::uint64_t fetched_total);

// Builds a placement from locations and fills its cost with evaluate().
Placement scored_placement(std::vector<ExpertLocation> location, const LayerDemand& demand,
                           const SystemCostModel& model);

}  // namespace monde::policy
