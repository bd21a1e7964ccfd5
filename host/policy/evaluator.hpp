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

// A cold path's end as evaluate() charges it: its serial time plus the delay that the GPU's
// weight copies (gpu.transfer_end_s()) inflict on it: through the shared device DRAM for the
// NDP path, over the shared CXL link for the CPU path. The search in the oracle ends its
// candidate paths with these too, so that its values are the evaluator's to the bit.
double ndp_dram_wait_s(const SerialPathTimer& ndp, const GpuPipelineTimer& gpu, const SystemCostModel& model);
double cpu_link_wait_s(const SerialPathTimer& cpu, const GpuPipelineTimer& gpu, const SystemCostModel& model);

// Builds a placement from locations and fills its cost with evaluate().
Placement scored_placement(std::vector<ExpertLocation> location, const LayerDemand& demand,
                           const SystemCostModel& model);

}  // namespace monde::policy
