#include "host/policy/monde_paper_policy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "host/policy/evaluator.hpp"
#include "host/policy/hot_cold_split.hpp"

namespace monde::policy {

MondePaperPolicy::MondePaperPolicy(std::optional<double> alpha) : fixed_alpha_(alpha) {
  if (alpha && !(std::isfinite(*alpha) && *alpha >= 0.0)) {
    throw std::invalid_argument("monde_paper: alpha " + std::to_string(*alpha) + " is not a finite value >= 0");
  }
}

double MondePaperPolicy::gpu_volume_share(const SystemCostModel& model) {
  validate(model);
  if (!(model.shared_dram_bytes_per_s > 0.0)) {
    throw std::invalid_argument("monde_paper: the cost model has no device DRAM rate (shared_dram_bytes_per_s = 0); "
                                "the rule needs the device's internal bandwidth");
  }
  return model.device_to_gpu_bytes_per_s / (model.shared_dram_bytes_per_s + model.device_to_gpu_bytes_per_s);
}

std::size_t MondePaperPolicy::hot_count(double alpha, double share, std::size_t candidates) {
  const double x = alpha * share * static_cast<double>(candidates);
  // The calibration tries alpha = k / (share x candidates), whose product comes back as k give
  // or take an ulp: the slack keeps that k, not k + 1.
  const double k = std::ceil(x - 1e-9);
  if (k <= 0.0) return 0;
  return std::min(candidates, static_cast<std::size_t>(k));
}

double MondePaperPolicy::calibrate_alpha(const std::vector<LayerDemand>& batch, const SystemCostModel& model) {
  const double share = gpu_volume_share(model);
  std::vector<HotPrefixScan> scans;
  std::vector<double> alphas{0.0};
  for (const auto& layer : batch) {
    scans.push_back(scan_hot_prefixes(layer, model, ExpertLocation::kNdp));
    const std::size_t n = scans.back().candidates();
    for (std::size_t k = 1; k <= n; ++k) alphas.push_back(static_cast<double>(k) / (share * static_cast<double>(n)));
  }
  std::sort(alphas.begin(), alphas.end());
  alphas.erase(std::unique(alphas.begin(), alphas.end()), alphas.end());
  double best_alpha = 0.0, best_s = 0.0;
  for (std::size_t a = 0; a < alphas.size(); ++a) {
    double total_s = 0.0;
    for (const auto& scan : scans) total_s += scan.makespan_s[hot_count(alphas[a], share, scan.candidates())];
    if (a == 0 || total_s < best_s) {
      best_s = total_s;
      best_alpha = alphas[a];
    }
  }
  return best_alpha;
}

void MondePaperPolicy::prepare(const RunHistory& history, const SystemCostModel& model) {
  share_ = gpu_volume_share(model);
  if (fixed_alpha_) {
    alpha_ = fixed_alpha_;
    return;
  }
  if (history.calibration.empty()) {
    throw std::invalid_argument("monde_paper: no fixed alpha and no calibration batch to tune it on");
  }
  alpha_ = calibrate_alpha(history.calibration, model);
}

Placement MondePaperPolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  if (!alpha_) throw std::logic_error("monde_paper: place() before prepare()");
  const double share = gpu_volume_share(model);
  const HotPrefixScan scan = scan_hot_prefixes(demand, model, ExpertLocation::kNdp);
  const std::size_t hot = hot_count(*alpha_, share, scan.candidates());
  return scored_placement(hot_prefix_locations(demand, scan, hot, ExpertLocation::kNdp), demand, model);
}

std::vector<PolicyParameter> MondePaperPolicy::parameters() const {
  if (!alpha_) return {};
  return {{"alpha", *alpha_}, {"gpu_volume_share", share_}};
}

}  // namespace monde::policy
