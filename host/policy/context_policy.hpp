// `context`: decode placement planned from prefill statistics (after "Context-Aware
// Mixture-of-Experts Inference on CXL-Enabled GPU-NDP Systems", arXiv 2512.04476: prefill
// activation statistics guide decode placement, hot experts are pinned in GPU HBM, the rest
// map to CXL-NDP). The paper's mixed-precision quantisation of NDP experts is not modelled.
//
// Per request: the prefill layer (demand.phase == kPrefill) is placed by the monde split,
// and its token counts fix the pinned set: the experts with the most prefill tokens that fit
// in model.gpu_memory_budget_bytes_per_layer. Every decode step of that request then runs
// pinned experts on the GPU and all other routed experts on NDP, with no per-step decision.
// A pinned expert's weights are copied once: during prefill if monde fetched it there,
// otherwise at its first routed decode step (kGpuFetched), and it is kGpuResident afterwards.
// The next prefill starts a new plan. One object per MoE layer (the plan is per layer).
#pragma once

#include <vector>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class ContextPolicy final : public PlacementPolicy {
 public:
  std::string name() const override { return "context"; }
  bool learns_from_prompts() const override { return true; }
  // Plans from history.prompt_prefill when given (place() on it, as a prefill layer).
  void prepare(const RunHistory& history, const SystemCostModel& model) override;
  // Throws std::invalid_argument for a decode step before any prefill, or a decode layer
  // with a different expert count than its prefill. Decode ignores demand.gpu_resident.
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;

  // The plan of the current request (empty before the first prefill).
  const std::vector<bool>& pinned() const { return pinned_; }
  const std::vector<bool>& loaded() const { return loaded_; }

 private:
  Placement place_prefill(const LayerDemand& demand, const SystemCostModel& model);
  Placement place_decode(const LayerDemand& demand, const SystemCostModel& model);

  std::vector<bool> pinned_;  // chosen from the prefill statistics
  std::vector<bool> loaded_;  // pinned and already copied into GPU memory
};

}  // namespace monde::policy
