// `monde`: MoNDE's hot/cold split with GPU-NDP load balancing (arXiv 2405.18832). The
// experts with the most tokens have their weights fetched to the GPU; the rest run on the
// device's NDP units, so only their activations cross the link. The hot-set size is the one
// that makes the concurrent GPU and NDP paths finish soonest (see split_hot_cold()).
// `monde_cached` is the same policy under another name: the runtime gives its demands the GPU
// expert cache's residency (gpu.expert_cache), and resident experts always run on the GPU.
#pragma once

#include <string>
#include <utility>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class MondePolicy final : public PlacementPolicy {
 public:
  explicit MondePolicy(std::string name = "monde") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;

 private:
  std::string name_;
};

}  // namespace monde::policy
