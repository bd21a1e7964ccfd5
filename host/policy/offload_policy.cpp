#include "host/policy/offload_policy.hpp"

#include "host/policy/evaluator.hpp"

namespace monde::policy {

Placement OffloadPolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  for (std::size_t i = 0; i < location.size(); ++i) {
    if (!demand.is_active(i)) continue;
    location[i] = demand.is_resident(i) ? ExpertLocation::kGpuResident : ExpertLocation::kGpuFetched;
  }
  return scored_placement(std::move(location), demand, model);
}

}  // namespace monde::policy
