#include "host/policy/context_policy.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "host/policy/evaluator.hpp"
#include "host/policy/hot_cold_split.hpp"
#include "host/policy/pinned_set.hpp"

namespace monde::policy {

void ContextPolicy::prepare(const RunHistory& history, const SystemCostModel& model) {
  if (history.prompt_prefill) place_prefill(*history.prompt_prefill, model);
}

Placement ContextPolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  return demand.phase == Phase::kPrefill ? place_prefill(demand, model) : place_decode(demand, model);
}

Placement ContextPolicy::place_prefill(const LayerDemand& demand, const SystemCostModel& model) {
  Placement placement = scored_placement(split_hot_cold(demand, model, ExpertLocation::kNdp), demand, model);
  const std::vector<double> prefill_tokens(demand.tokens_per_expert.begin(), demand.tokens_per_expert.end());
  pinned_ = choose_pinned(prefill_tokens, demand.shape.weight_bytes(), model.gpu_memory_budget_bytes_per_layer);
  loaded_.assign(pinned_.size(), false);
  for (std::size_t i = 0; i < pinned_.size(); ++i) loaded_[i] = pinned_[i] && runs_on_gpu(placement.location[i]);
  return placement;
}

Placement ContextPolicy::place_decode(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  if (pinned_.empty()) {
    throw std::invalid_argument("context: a decode step came before any prefill (mark the prefill layer "
                                "with Phase::kPrefill)");
  }
  if (pinned_.size() != demand.expert_count()) {
    throw std::invalid_argument("context: the decode layer has " + std::to_string(demand.expert_count()) +
                                " experts but its prefill had " + std::to_string(pinned_.size()));
  }
  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  std::vector<bool> loaded_after = loaded_;
  for (std::size_t i = 0; i < location.size(); ++i) {
    if (!demand.is_active(i)) continue;
    if (!pinned_[i]) {
      location[i] = ExpertLocation::kNdp;
    } else {
      location[i] = loaded_[i] ? ExpertLocation::kGpuResident : ExpertLocation::kGpuFetched;
      loaded_after[i] = true;
    }
  }
  Placement placement = scored_placement(std::move(location), demand, model);
  loaded_ = std::move(loaded_after);  // only once the step was valid and scored
  return placement;
}

}  // namespace monde::policy
