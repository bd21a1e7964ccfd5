#include "host/policy/layer_demand.hpp"

#include <stdexcept>
#include <string>

#include "core/perf/expert_split.hpp"

namespace monde::policy {

std::size_t LayerDemand::active_count() const {
  std::size_t n = 0;
  for (const auto tokens : tokens_per_expert) n += tokens > 0 ? 1 : 0;
  return n;
}

bool LayerDemand::mixed_formats() const {
  for (const auto& f : ndp_weights) {
    if (f != ndp_weights.front()) return true;
  }
  return false;
}

void validate(const LayerDemand& demand) {
  // 2^24 per dimension keeps 3 * d_model * d_ff * 4 bytes far inside 64 bits.
  constexpr std::uint64_t kMaxDim = std::uint64_t{1} << 24;
  const auto& s = demand.shape;
  if (demand.tokens_per_expert.empty()) {
    throw std::invalid_argument("LayerDemand: tokens_per_expert is empty (a layer has at least one expert)");
  }
  if (s.d_model == 0 || s.d_ff == 0 || s.d_model > kMaxDim || s.d_ff > kMaxDim) {
    throw std::invalid_argument("LayerDemand: shape d_model = " + std::to_string(s.d_model) +
                                ", d_ff = " + std::to_string(s.d_ff) + " must each be in 1.." +
                                std::to_string(kMaxDim));
  }
  if (s.bytes_per_param == 0 || s.bytes_per_param > 8) {
    throw std::invalid_argument("LayerDemand: shape bytes_per_param = " + std::to_string(s.bytes_per_param) +
                                " must be in 1..8");
  }
  if (!demand.gpu_resident.empty() && demand.gpu_resident.size() != demand.tokens_per_expert.size()) {
    throw std::invalid_argument("LayerDemand: gpu_resident has " + std::to_string(demand.gpu_resident.size()) +
                                " entries for " + std::to_string(demand.tokens_per_expert.size()) +
                                " experts (give one per expert, or none)");
  }
  if (!demand.ndp_device.empty() && demand.ndp_device.size() != demand.tokens_per_expert.size()) {
    throw std::invalid_argument("LayerDemand: ndp_device has " + std::to_string(demand.ndp_device.size()) +
                                " entries for " + std::to_string(demand.tokens_per_expert.size()) +
                                " experts (give one per expert, or none)");
  }
  if (!demand.ndp_weights.empty() && demand.ndp_weights.size() != demand.tokens_per_expert.size()) {
    throw std::invalid_argument("LayerDemand: ndp_weights has " + std::to_string(demand.ndp_weights.size()) +
                                " entries for " + std::to_string(demand.tokens_per_expert.size()) +
                                " experts (give one per expert, or none)");
  }
  if (demand.split() && !demand.ndp_weights.empty()) {
    throw std::invalid_argument("LayerDemand: a split layer (split_devices " + std::to_string(demand.split_devices) +
                                ") with per-expert ndp_weights: the split is built for one format per layer");
  }
  if (demand.split_devices == 1 || (demand.split() && !perf::split_fits(s, demand.split_devices))) {
    throw std::invalid_argument("LayerDemand: split_devices = " + std::to_string(demand.split_devices) +
                                " for d_ff " + std::to_string(s.d_ff) + " in granules of " +
                                std::to_string(perf::split_granule(s)) +
                                " (allowed 0, or 2 or more devices with at least one granule each)");
  }
}

}  // namespace monde::policy
