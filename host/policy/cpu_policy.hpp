// `cpu`: the Fiddler-style baseline. Hot experts go to the GPU exactly as in monde, but cold
// experts run on the host CPU, which reads their weights over CXL.mem, instead of on NDP.
#pragma once

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class CpuPolicy final : public PlacementPolicy {
 public:
  std::string name() const override { return "cpu"; }
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;
};

}  // namespace monde::policy
