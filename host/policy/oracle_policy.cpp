#include "host/policy/oracle_policy.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/perf/expert_split.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/execution_order.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/hot_cold_split.hpp"
#include "host/policy/oracle_search.hpp"

namespace monde::policy {

namespace {

// A group for the search and its experts, in execution order.
struct GroupOf {
  std::vector<ExpertGroup> groups;
  std::vector<std::vector<std::size_t>> members;  // [group]: its experts
  std::size_t devices = 0;                        // the devices the experts are on
};

bool same_cost(const NdpExpertCost& a, const NdpExpertCost& b) {
  return a.share_s == b.share_s && a.dram_busy_s == b.dram_busy_s && a.job_s == b.job_s;
}

// An expert's NDP cost as the search plans it: on its own device; in a split layer the larger
// slice's (device 0's) and the smaller one's (the last device's), every device's being one of the
// two (checked: the search plans one path per slice size, SplitTerms).
std::pair<NdpExpertCost, NdpExpertCost> planned_ndp_costs(const SystemCostModel& model, const LayerDemand& demand,
                                                          std::size_t expert) {
  const std::vector<NdpDeviceCost> costs = ndp_device_costs(model, demand, expert);
  for (const NdpDeviceCost& c : costs) {
    if (!same_cost(c.cost, costs.front().cost) && !same_cost(c.cost, costs.back().cost)) {
      throw std::logic_error("oracle: the slice of a split expert on device " + std::to_string(c.device) +
                             " costs neither the first device's nor the last one's");
    }
  }
  return {costs.front().cost, costs.back().cost};
}

// The active experts in execution order, cut into runs of equal tokens and equal residency
// (equal experts are adjacent in that order, and their costs on every path are equal), and each
// run into one group per device, the devices numbered densely in ascending order. A split layer's
// experts are all on "device 0": the path that stands for every device's with the larger (or the
// only) slice size, and with two sizes "device 1" stands for the others (SplitTerms).
GroupOf group_experts(const LayerDemand& demand, const SystemCostModel& model, const std::vector<std::size_t>& order,
                      std::uint32_t split_classes) {
  // Its groups assume one shape per layer (the registry's one_ndp_format: refused before simulating).
  if (demand.mixed_formats()) throw std::invalid_argument("oracle: NDP experts in several weight formats in one layer");
  const ExpertShape shape = demand.shape_of(0);
  const double fetch_s = fetch_time_s(model, shape);
  std::vector<std::uint32_t> dense(model.ndp_devices, 0);
  std::vector<bool> used(model.ndp_devices, false);
  const auto device_of = [&demand](std::size_t i) { return demand.split() ? 0u : demand.device_of(i); };
  for (const std::size_t i : order) used.at(device_of(i)) = true;
  GroupOf out;
  for (std::uint32_t d = 0; d < model.ndp_devices; ++d) {
    if (used[d]) dense[d] = static_cast<std::uint32_t>(out.devices++);
  }
  for (std::size_t k = 0; k < order.size();) {
    const std::size_t i = order[k];
    const auto tokens = demand.tokens_per_expert[i];
    std::size_t end = k + 1;
    while (end < order.size() && demand.tokens_per_expert[order[end]] == tokens &&
           demand.is_resident(order[end]) == demand.is_resident(i)) {
      ++end;
    }
    ExpertGroup g;
    g.transfer_s = demand.is_resident(i) ? 0.0 : fetch_s;
    g.compute_s = gpu_compute_time_s(model, shape, tokens, !demand.is_resident(i));
    g.tokens = tokens;
    std::tie(g.ndp, g.ndp_other) = planned_ndp_costs(model, demand, i);
    g.cpu = cpu_expert_cost(model, shape, tokens);
    for (std::uint32_t d = 0; d < model.ndp_devices; ++d) {
      std::vector<std::size_t> members;
      for (std::size_t m = k; m < end; ++m) {
        if (device_of(order[m]) == d) members.push_back(order[m]);
      }
      if (members.empty()) continue;
      g.count = members.size();
      g.device = dense[d];
      out.groups.push_back(g);
      out.members.push_back(std::move(members));
    }
    k = end;
  }
  if (demand.split()) out.devices = split_classes;
  return out;
}

}  // namespace

Placement OraclePolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  validate(model);
  const bool use_cpu = paths_ == OraclePaths::kGpuNdpCpu;
  SplitTerms split_terms;
  if (demand.split()) {
    const std::string layer = "oracle: the layer is split across " + std::to_string(demand.split_devices) +
                              " devices (devices.split)";
    // The CPU path reads whole experts (there is no CPU slice job); cpu and monde refuse it too.
    if (use_cpu) throw std::invalid_argument(layer + ", and the CPU path reads whole experts: use oracle_gpu_ndp");
    split_terms.devices = demand.split_devices;
    split_terms.classes = perf::split_even(demand.shape, demand.split_devices) ? 1 : 2;
    split_terms.shape = demand.shape;
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
  Placement best = scored_placement(split_hot_cold(demand, model, ExpertLocation::kNdp), demand, model);
  if (use_cpu) {
    Placement cpu = scored_placement(split_hot_cold(demand, model, ExpertLocation::kCpu), demand, model);
    if (cpu.cost.makespan_s < best.cost.makespan_s) best = std::move(cpu);
  }

  const GroupOf grouped = group_experts(demand, model, order, split_terms.classes);
  const OracleSearchResult found = search_min_makespan(grouped.groups, grouped.devices, model, use_cpu, best.cost.makespan_s, split_terms);
  if (!found.found) return best;

  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  for (std::size_t j = 0; j < grouped.groups.size(); ++j) {
    const GroupSplit& split = found.split[j];
    const std::vector<std::size_t>& members = grouped.members[j];
    for (std::size_t m = 0; m < members.size(); ++m) {
      const std::size_t i = members[m];
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
