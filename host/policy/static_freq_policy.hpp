// `static_freq`: pin the historically most popular experts in GPU memory, once. Pinned
// experts that are routed run on the GPU with no weight copy; every other routed expert runs
// on NDP. The pinned set depends only on the popularity observed beforehand (e.g. routing
// histograms of a calibration run), never on the current batch: this is the static
// baseline that monde's per-batch decision is compared with.
#pragma once

#include <vector>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class StaticFreqPolicy final : public PlacementPolicy {
 public:
  StaticFreqPolicy() = default;
  // One value per expert of the layer (token share, hit count, ...; only the order matters).
  explicit StaticFreqPolicy(std::vector<double> expert_popularity);

  std::string name() const override { return "static_freq"; }
  // Takes history.expert_popularity (std::invalid_argument when empty or invalid).
  void prepare(const RunHistory& history, const SystemCostModel& model) override;
  // The pinned set is the most popular experts that fit in
  // model.gpu_memory_budget_bytes_per_layer, and every expert demand.gpu_resident marks (the GPU
  // expert cache's pinned set, gpu.expert_cache mode pinned). Loading them happens once before the
  // run and is not charged to any layer.
  // Throws std::invalid_argument when no popularity was given.
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;

 private:
  std::vector<double> popularity_;
};

}  // namespace monde::policy
