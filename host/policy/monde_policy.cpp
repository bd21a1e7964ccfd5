#include "host/policy/monde_policy.hpp"

#include "host/policy/evaluator.hpp"
#include "host/policy/hot_cold_split.hpp"

namespace monde::policy {

Placement MondePolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  return scored_placement(split_hot_cold(demand, model, ExpertLocation::kNdp), demand, model);
}

}  // namespace monde::policy
