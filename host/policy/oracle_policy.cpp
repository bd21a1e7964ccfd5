#include "host/policy/oracle_policy.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "host/policy/evaluator.hpp"
#include "host/policy/execution_order.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/hot_cold_split.hpp"
#include "host/policy/oracle_search.hpp"

namespace monde::policy {

namespace {

// The active experts in execution order, cut into runs of equal tokens and equal residency:
// equal experts are adjacent in that order, and their costs on every path are equal.
std::vector<ExpertGroup> group_experts(const LayerDemand& demand, const SystemCostModel& model,
                                       const std::vector<std::size_t>& order) {
  // Its groups assume one shape per layer (the registry's one_ndp_format: refused before simulating).
  if (demand.mixed_formats()) throw std::invalid_argument("oracle: NDP experts in several weight formats in one layer");
  const ExpertShape shape = demand.shape_of(0);
  const double fetch_s = fetch_time_s(model, shape);
  std::vector<ExpertGroup> groups;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    const auto tokens = demand.tokens_per_expert[i];
    if (k > 0) {
      const std::size_t prev = order[k - 1];
      if (demand.tokens_per_expert[prev] == tokens && demand.is_resident(prev) == demand.is_resident(i)) {
        ++groups.back().count;
        continue;
      }
    }
    ExpertGroup g;
    g.count = 1;
    g.transfer_s = demand.is_resident(i) ? 0.0 : fetch_s;
    g.compute_s = gpu_compute_time_s(model, shape, tokens, !demand.is_resident(i));
    g.ndp = ndp_expert_cost(model, shape, tokens);
    g.cpu = cpu_expert_cost(model, shape, tokens);
    groups.push_back(g);
  }
  return groups;
}

}  // namespace

Placement OraclePolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  validate(model);
  if (model.ndp_devices > 1) {
    // The search keeps one serial NDP path per candidate; several devices' paths are not searched.
    throw std::invalid_argument("oracle: " + std::to_string(model.ndp_devices) +
                                " MoNDE devices (devices.count); the exact search covers one device: set "
                                "devices.count 1 or use monde");
  }
  const std::size_t active = demand.active_count();
  if (active > kMaxActiveExperts) {
    throw std::invalid_argument("oracle: " + std::to_string(active) + " routed experts exceed the exact search's "
                                "limit of " + std::to_string(kMaxActiveExperts) +
                                " per layer; use monde for larger layers");
  }
  // The evaluator orders experts by (weights in GPU memory, tokens, index); for the placements
  // searched here "in GPU memory" is exactly demand.gpu_resident, whatever the path.
  std::vector<bool> resident(demand.expert_count());
  for (std::size_t i = 0; i < resident.size(); ++i) resident[i] = demand.is_resident(i);
  const std::vector<std::size_t> order = execution_order(demand, resident);

  // monde's split and (with the CPU) cpu's are feasible answers; the faster is the incumbent,
  // which only prunes: the search still finds every strictly faster assignment.
  const bool use_cpu = paths_ == OraclePaths::kGpuNdpCpu;
  Placement best = scored_placement(split_hot_cold(demand, model, ExpertLocation::kNdp), demand, model);
  if (use_cpu) {
    Placement cpu = scored_placement(split_hot_cold(demand, model, ExpertLocation::kCpu), demand, model);
    if (cpu.cost.makespan_s < best.cost.makespan_s) best = std::move(cpu);
  }

  const std::vector<ExpertGroup> groups = group_experts(demand, model, order);
  const OracleSearchResult found = search_min_makespan(groups, model, use_cpu, best.cost.makespan_s);
  if (!found.found) return best;

  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  std::size_t k = 0;
  for (std::size_t j = 0; j < groups.size(); ++j) {
    const GroupSplit& split = found.split[j];
    for (std::size_t m = 0; m < groups[j].count; ++m, ++k) {
      const std::size_t i = order[k];
      location[i] = m < split.gpu               ? (resident[i] ? ExpertLocation::kGpuResident : ExpertLocation::kGpuFetched)
                    : m < split.gpu + split.ndp ? ExpertLocation::kNdp
                                                : ExpertLocation::kCpu;
    }
  }
  Placement p = scored_placement(std::move(location), demand, model);
  if (p.cost.makespan_s != found.makespan_s) {
    throw std::logic_error("oracle: the search's makespan " + std::to_string(found.makespan_s) +
                           " s differs from the evaluator's " + std::to_string(p.cost.makespan_s) +
                           " s for the same placement");
  }
  return p;
}

}  // namespace monde::policy
