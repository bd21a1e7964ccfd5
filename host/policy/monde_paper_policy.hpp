// `monde_paper`: the MoNDE paper's own load-balancing rule (arXiv 2405.18832, Kim et al., DAC
// 2024), beside our cost-model `monde`. The GPU takes the routed experts with the most tokens
// until their weight volume reaches
//
//   H = alpha x BW_gpu / (BW_device + BW_gpu) x (weight volume of the layer's routed experts)
//
// and the device's NDP units run the rest. BW_gpu moves experts to the GPU, BW_device is the
// device's internal (DRAM) bandwidth the NDP units stream at: with alpha = 1 the two sides move
// their weight volumes in equal times. alpha is the paper's correction factor; here it is either
// fixed (run.monde_paper_alpha) or calibrated once per run on a calibration batch of the run's
// phase (docs/policies.md, "monde_paper"), never on the measured steps themselves.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "host/policy/placement_policy.hpp"

namespace monde::policy {

class MondePaperPolicy final : public PlacementPolicy {
 public:
  // alpha: a fixed correction factor (>= 0); none: calibrated in prepare().
  explicit MondePaperPolicy(std::optional<double> alpha = std::nullopt);

  std::string name() const override { return "monde_paper"; }
  bool calibrates_on_a_batch() const override { return !fixed_alpha_.has_value(); }
  // Calibrates alpha on history.calibration unless it is fixed; std::invalid_argument when
  // there is nothing to calibrate on or the model has no device bandwidth.
  void prepare(const RunHistory& history, const SystemCostModel& model) override;
  // std::logic_error before prepare().
  Placement place(const LayerDemand& demand, const SystemCostModel& model) override;
  // alpha and the GPU's volume share BW_gpu / (BW_device + BW_gpu), once prepared.
  std::vector<PolicyParameter> parameters() const override;

  // BW_gpu / (BW_device + BW_gpu): model.device_to_gpu_bytes_per_s over itself plus
  // model.shared_dram_bytes_per_s (the sustained device DRAM rate). std::invalid_argument when
  // the model has no device DRAM rate (shared_dram_bytes_per_s = 0).
  static double gpu_volume_share(const SystemCostModel& model);
  // How many of `candidates` equal-size experts reach H: the smallest k with
  // k >= alpha x share x candidates (1e-9 of slack for the rounding of alpha x share), at most
  // all of them.
  static std::size_t hot_count(double alpha, double share, std::size_t candidates);
  // The alpha that minimises the sum of the predicted makespans over the batch's layers: every
  // alpha at which some layer's hot count changes is tried (and 0); the smallest wins a tie.
  static double calibrate_alpha(const std::vector<LayerDemand>& batch, const SystemCostModel& model);

 private:
  std::optional<double> fixed_alpha_;
  std::optional<double> alpha_;  // set by prepare()
  double share_ = 0;
};

}  // namespace monde::policy
