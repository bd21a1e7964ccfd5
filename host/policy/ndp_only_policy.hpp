// `ndp_only`: every routed expert runs on the device's NDP units; no weights move.
#pragma once

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class NdpOnlyPolicy final : public PlacementPolicy {
 public:
  std::string name() const override { return "ndp_only"; }
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;
};

}  // namespace monde::policy
