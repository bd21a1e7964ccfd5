// The MoNDE split: hot experts (most tokens) fetched to the GPU, the rest on a cold path,
// with the number of hot experts chosen to minimise the layer's makespan.
#pragma once

#include <cstddef>
#include <vector>

#include "host/policy/layer_demand.hpp"
#include "host/policy/placement.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// Every hot prefix of one layer, scored. Experts already resident on the GPU
// (demand.gpu_resident) always run there: their weights cost nothing to use. The other active
// experts (the candidates), sorted by tokens descending, are split into a hot prefix (fetched)
// and a cold suffix; every prefix length 0..n is scored incrementally (the GPU pipeline grows by
// one expert, the cold path loses one), with the formulas evaluate() uses.
struct HotPrefixScan {
  std::vector<std::size_t> order;  // the execution order: residents, then candidates by tokens descending
  std::size_t residents = 0;       // order[0 .. residents) are the residents
  std::vector<double> makespan_s;  // [k]: the first k candidates fetched, the rest cold (n + 1 values)
  std::size_t candidates() const { return makespan_s.size() - 1; }
};

// `cold` is ExpertLocation::kNdp (monde) or ExpertLocation::kCpu (cpu, Fiddler-style).
// O(E log E) for the sort, O(E) for the scan.
HotPrefixScan scan_hot_prefixes(const LayerDemand& demand, const SystemCostModel& model, ExpertLocation cold);

// The locations with the first `hot` candidates of `scan` fetched and the rest on `cold`.
std::vector<ExpertLocation> hot_prefix_locations(const LayerDemand& demand, const HotPrefixScan& scan, std::size_t hot,
                                                 ExpertLocation cold);

// The fastest prefix of scan_hot_prefixes, the shorter one on a tie (fewer bytes moved).
// Returns the locations (not yet scored).
std::vector<ExpertLocation> split_hot_cold(const LayerDemand& demand, const SystemCostModel& model,
                                           ExpertLocation cold);

}  // namespace monde::policy
