// `offload`: the parameter-offloading baseline. Every routed expert runs on the GPU; its
// weights are fetched for this layer (unless demand.gpu_resident says they are already there),
// pipelined with the compute of the previous expert.
#pragma once

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class OffloadPolicy final : public PlacementPolicy {
 public:
  std::string name() const override { return "offload"; }
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;
};

}  // namespace monde::policy
