#include "host/policy/ndp_only_policy.hpp"

#include "host/policy/evaluator.hpp"

namespace monde::policy {

Placement NdpOnlyPolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  for (std::size_t i = 0; i < location.size(); ++i) {
    if (demand.is_active(i)) location[i] = ExpertLocation::kNdp;
  }
  return scored_placement(std::move(location), demand, model);
}

}  // namespace monde::policy
