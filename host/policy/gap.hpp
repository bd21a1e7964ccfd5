// How far a policy is from the optimum: makespan ratios (1 = optimal).
#pragma once

#include "host/policy/layer_demand.hpp"
#include "host/policy/oracle_policy.hpp"
#include "host/policy/placement.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// candidate makespan / reference makespan; 1 when both are 0 (nothing routed). Throws
// std::invalid_argument when only the reference is 0.
double makespan_ratio(const Placement& candidate, const Placement& reference);

// monde's makespan over the oracle's for one layer (>= 1; the oracle's limits apply). The
// oracle searches all three paths unless `paths` says GPU and NDP only (monde's own choice).
double monde_oracle_gap(const LayerDemand& demand, const SystemCostModel& model,
                        OraclePaths paths = OraclePaths::kGpuNdpCpu);

}  // namespace monde::policy
