// The MoNDE split: hot experts (most tokens) fetched to the GPU, the rest on a cold path,
// with the number of hot experts chosen to minimise the layer's makespan.
#pragma once

#include <vector>

#include "host/policy/layer_demand.hpp"
#include "host/policy/placement.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// `cold` is ExpertLocation::kNdp (monde) or ExpertLocation::kCpu (cpu, Fiddler-style).
// Experts already resident on the GPU (demand.gpu_resident) always run there: their weights
// cost nothing to use. The other active experts, sorted by tokens descending, are split into
// a hot prefix and a cold suffix; every prefix length 0..n is scored incrementally (the GPU
// pipeline grows by one expert, the cold path loses one) and the fastest wins, the shorter
// prefix on a tie (fewer bytes moved). O(E log E) for the sort, O(E) for the scan.
// Returns the locations (not yet scored).
std::vector<ExpertLocation> split_hot_cold(const LayerDemand& demand, const SystemCostModel& model,
                                           ExpertLocation cold);

}  // namespace monde::policy
