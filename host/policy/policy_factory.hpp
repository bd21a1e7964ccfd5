// Policies by name, as configurations and command lines name them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

// Inputs that some policies need beyond the per-layer demand.
struct PolicyOptions {
  // static_freq: observed popularity of each expert of the layer (required for it).
  std::vector<double> expert_popularity;
};

// "monde", "offload", "ndp_only", "cpu", "static_freq", "context", "oracle".
const std::vector<std::string>& policy_names();

// A new policy object (one per MoE layer: some policies keep per-layer state). Throws
// std::invalid_argument for an unknown name (listing the known ones) or missing options.
std::unique_ptr<PlacementPolicy> make_policy(const std::string& name, const PolicyOptions& options = {});

}  // namespace monde::policy
