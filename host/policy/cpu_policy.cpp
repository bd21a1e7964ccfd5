#include "host/policy/cpu_policy.hpp"

#include "host/policy/evaluator.hpp"
#include "host/policy/hot_cold_split.hpp"

namespace monde::policy {

Placement CpuPolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  return scored_placement(split_hot_cold(demand, model, ExpertLocation::kCpu), demand, model);
}

}  // namespace monde::policy
