// `offload`: the parameter-offloading baseline. Every routed expert runs on the GPU; its
// weights are fetched for this layer (unless demand.gpu_resident says they are already there),
// pipelined with the compute of the previous expert. `offload_cached` is the same policy under
// another name: the runtime gives its demands the GPU expert cache's residency (gpu.expert_cache).
#pragma once

#include <string>
#include <utility>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class OffloadPolicy final : public PlacementPolicy {
 public:
  explicit OffloadPolicy(std::string name = "offload") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;

 private:
  std::string name_;
};

}  // namespace monde::policy
