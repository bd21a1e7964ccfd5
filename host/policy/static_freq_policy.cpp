#include "host/policy/static_freq_policy.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "host/policy/evaluator.hpp"
#include "host/policy/pinned_set.hpp"

namespace monde::policy {

StaticFreqPolicy::StaticFreqPolicy(std::vector<double> expert_popularity)
    : popularity_(std::move(expert_popularity)) {
  if (popularity_.empty()) throw std::invalid_argument("static_freq: the expert popularity vector is empty");
  // Checks the values now rather than at the first layer.
  choose_pinned(popularity_, 1, 0);
}

void StaticFreqPolicy::prepare(const RunHistory& history, const SystemCostModel&) {
  *this = StaticFreqPolicy(history.expert_popularity);
}

Placement StaticFreqPolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  if (popularity_.empty()) throw std::invalid_argument("static_freq: no expert popularity (prepare() was not called)");
  if (popularity_.size() != demand.expert_count()) {
    throw std::invalid_argument("static_freq: popularity has " + std::to_string(popularity_.size()) +
                                " entries for a layer of " + std::to_string(demand.expert_count()) + " experts");
  }
  const std::vector<bool> pinned =
      choose_pinned(popularity_, demand.shape.weight_bytes(), model.gpu_memory_budget_bytes_per_layer);
  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  for (std::size_t i = 0; i < location.size(); ++i) {
    if (!demand.is_active(i)) continue;
    location[i] = pinned[i] || demand.is_resident(i) ? ExpertLocation::kGpuResident : ExpertLocation::kNdp;
  }
  return scored_placement(std::move(location), demand, model);
}

}  // namespace monde::policy
