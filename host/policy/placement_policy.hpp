// The interface every placement policy implements.
#pragma once

#include <string>

#include "host/policy/layer_demand.hpp"
#include "host/policy/placement.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// Decides, for one MoE layer and one batch, where each routed expert runs. Some policies
// keep state between calls (what they pinned, what prefill taught them), so one policy
// object serves one MoE layer; place() is not const. The returned placement's cost comes from
// evaluate(), never from the policy's own arithmetic.
class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string name() const = 0;
  // Throws std::invalid_argument for a malformed demand or cost model (and where a policy
  // cannot serve the demand, e.g. oracle above its expert limit).
  virtual Placement place(const LayerDemand& demand, const SystemCostModel& model) = 0;
};

}  // namespace monde::policy
