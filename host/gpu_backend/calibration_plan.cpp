#include "host/gpu_backend/calibration_plan.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace monde::gpu_backend {

CalibrationPlan make_calibration_plan(const std::vector<ModelShape>& models, std::vector<std::uint64_t> tokens) {
  if (tokens.empty()) {
    throw std::invalid_argument("calibration plan: the token list is empty");
  }
  if (std::find(tokens.begin(), tokens.end(), 0u) != tokens.end()) {
    throw std::invalid_argument("calibration plan: token counts must be >= 1");
  }
  if (models.empty()) {
    throw std::invalid_argument("calibration plan: no models");
  }
  CalibrationPlan plan;
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  plan.tokens = tokens;

  for (const auto& m : models) {
    auto same = [&m](const FfnShape& s) { return s.d_model == m.d_model && s.d_ff == m.d_ff && s.gated == m.gated; };
    const auto it = std::find_if(plan.shapes.begin(), plan.shapes.end(), same);
    if (it != plan.shapes.end()) {
      it->models += "," + m.name;
    } else {
      plan.shapes.push_back(FfnShape{m.name, m.d_model, m.d_ff, m.gated, m.activation});
    }
  }

  for (const auto& s : plan.shapes) {
    for (const auto t : plan.tokens) {
      plan.gemms.push_back(GemmPoint{t, s.gated ? 2 * s.d_ff : s.d_ff, s.d_model, 0});
      plan.gemms.push_back(GemmPoint{t, s.d_model, s.d_ff, 0});
    }
  }
  auto key = [](const GemmPoint& g) { return std::make_tuple(g.n, g.k, g.m); };
  std::sort(plan.gemms.begin(), plan.gemms.end(), [&](const GemmPoint& a, const GemmPoint& b) { return key(a) < key(b); });
  plan.gemms.erase(std::unique(plan.gemms.begin(), plan.gemms.end(),
                               [&](const GemmPoint& a, const GemmPoint& b) { return key(a) == key(b); }),
                   plan.gemms.end());

  const auto v = std::find_if(plan.tokens.begin(), plan.tokens.end(), [](std::uint64_t t) { return t >= 4; });
  plan.verify_tokens = v != plan.tokens.end() ? *v : plan.tokens.back();
  return plan;
}

double median(std::vector<double> samples) {
  if (samples.empty()) {
    throw std::invalid_argument("median of an empty sample");
  }
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
}

}  // namespace monde::gpu_backend
