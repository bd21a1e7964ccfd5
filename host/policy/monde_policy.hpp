// `monde`: MoNDE's hot/cold split with GPU-NDP load balancing (arXiv 2405.18832). The
// experts with the most tokens have their weights fetched to the GPU; the rest run on the
// device's NDP units, so only their activations cross the link. The hot-set size is the one
// that makes the concurrent GPU and NDP paths finish soonest (see split_hot_cold()).
#pragma once

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class MondePolicy final : public PlacementPolicy {
 public:
  std::string name() const override { return "monde"; }
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;
};

}  // namespace monde::policy
