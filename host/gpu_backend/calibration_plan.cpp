#include "host/gpu_backend/calibration_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <tuple>

#include "core/config/presets.hpp"

namespace monde::gpu_backend {

CalibrationPlan make_calibration_plan(const std::vector<config::MoeModelConfig>& models, std::vector<std::uint64_t> tokens) {
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
      const Activation act = m.activation == config::ExpertActivation::kSiluGated ? Activation::silu_gated : Activation::relu;
      plan.shapes.push_back(FfnShape{m.name, m.d_model, m.d_ff, m.gated, act});
    }
  }

  for (const auto& s : plan.shapes) {
    for (const auto t : plan.tokens) {
      plan.gemms.push_back(config::GemmPoint{t, s.gated ? 2 * s.d_ff : s.d_ff, s.d_model, 0});
      plan.gemms.push_back(config::GemmPoint{t, s.d_model, s.d_ff, 0});
    }
  }
  auto key = [](const config::GemmPoint& g) { return std::make_tuple(g.n, g.k, g.m); };
  std::sort(plan.gemms.begin(), plan.gemms.end(), [&](const config::GemmPoint& a, const config::GemmPoint& b) { return key(a) < key(b); });
  plan.gemms.erase(std::unique(plan.gemms.begin(), plan.gemms.end(),
                               [&](const config::GemmPoint& a, const config::GemmPoint& b) { return key(a) == key(b); }),
                   plan.gemms.end());

  const auto v = std::find_if(plan.tokens.begin(), plan.tokens.end(), [](std::uint64_t t) { return t >= 4; });
  plan.verify_tokens = v != plan.tokens.end() ? *v : plan.tokens.back();
  return plan;
}

std::vector<config::MoeModelConfig> load_models(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<config::MoeModelConfig> out;
  if (dir.empty()) {
    for (const auto& p : config::embedded_presets()) {
      if (std::string(p.kind) != "model") continue;
      const std::string source = config::preset_source(p);
      out.push_back(config::parse_moe_model(config::ConfigNode(config::parse_json_text(p.text, source), source)));
    }
    return out;
  }
  if (!fs::is_directory(dir)) {
    throw std::runtime_error(dir + ": not a directory (expected the model presets, e.g. configs/models)");
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error(dir + ": no *.json model files");
  for (const auto& f : files) out.push_back(config::load_moe_model(f.string()));
  return out;
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
