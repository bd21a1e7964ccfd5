#include "system/mixed_precision.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

#include "host/policy/pinned_set.hpp"
#include "system/routing.hpp"

namespace monde::system {

namespace {

using ProbeKey = std::tuple<std::uint32_t, std::uint32_t, bool, std::uint64_t, std::uint32_t, int, std::uint32_t>;

// The experiment check and the runtime measure the same probe: keep each result once per process.
std::map<ProbeKey, OutputError>& probe_cache() {
  static std::map<ProbeKey, OutputError> cache;
  return cache;
}
std::mutex& probe_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

std::vector<FormatError> measure_format_errors(const config::MoeModelConfig& model,
                                               const std::vector<config::WeightEncoding>& formats, std::uint64_t seed) {
  config::MoeModelConfig probe = model;
  probe.d_ff = std::min(model.d_ff, kProbeDff);
  const auto layers = model.moe_layer_indices();
  const std::uint32_t layer = layers.empty() ? 0u : layers.front();
  std::vector<FormatError> out;
  ExpertWeights w;
  std::vector<num::bf16_t> x, ref;
  for (const auto& f : formats) {
    FormatError fe{f, {}};
    if (f.quantised()) {
      if (probe.d_model % f.group_size != 0 || probe.d_ff % f.group_size != 0) {
        throw std::invalid_argument("mixed precision: group size " + std::to_string(f.group_size) +
                                    " does not divide d_model " + std::to_string(probe.d_model) + " and d_ff " +
                                    std::to_string(probe.d_ff));
      }
      const ProbeKey key{probe.d_model, probe.d_ff, probe.gated, seed, layer, static_cast<int>(f.format), f.group_size};
      std::lock_guard<std::mutex> lock(probe_mutex());
      const auto hit = probe_cache().find(key);
      if (hit != probe_cache().end()) {
        fe.error = hit->second;
      } else {
        if (w.up.empty()) {
          w = make_expert_weights(probe, seed, layer, 0);
          x = make_activations(kProbeTokens, probe.d_model, seed, 0, layer);
          ref = golden_expert_output(probe, w, x, kProbeTokens);
        }
        fe.error.add(golden_expert_output(probe, ndp_operand_weights(probe, w, f), x, kProbeTokens), ref);
        probe_cache().emplace(key, fe.error);
      }
    }
    out.push_back(fe);
  }
  return out;
}

perf::ExpertFormats choose_expert_formats(const std::vector<std::vector<double>>& popularity,
                                          std::uint64_t expert_weight_bytes, std::uint64_t gpu_budget_bytes,
                                          const std::vector<FormatError>& candidates, double error_budget) {
  // The cold experts' format: the same for each of them (one probe stands for every expert).
  config::WeightEncoding cold{};
  for (const auto& c : candidates) {
    if (c.error.rel_rms() <= error_budget) {
      cold = c.format;
      break;
    }
  }
  std::vector<std::vector<config::WeightEncoding>> f;
  for (const auto& layer : popularity) {
    const std::vector<bool> hot = policy::choose_pinned(layer, expert_weight_bytes, gpu_budget_bytes);
    std::vector<config::WeightEncoding> l(layer.size(), cold);
    for (std::size_t e = 0; e < l.size(); ++e) {
      if (hot[e]) l[e] = config::WeightEncoding{};
    }
    f.push_back(std::move(l));
  }
  return perf::ExpertFormats(std::move(f));
}

ExpertFormatPlan expert_format_plan(const config::SystemConfig& c) {
  const std::size_t layers = c.model.moe_layer_indices().size();
  if (!c.device.ndp.mixed_expert_weights()) {
    return ExpertFormatPlan{perf::ExpertFormats(layers, c.model.experts, c.device.ndp.expert_weights()), {}};
  }
  ExpertFormatPlan plan;
  plan.errors = measure_format_errors(c.model, c.device.ndp.mixed_candidates(), c.routing.seed);
  plan.formats = choose_expert_formats(run_popularity(route_experiment(c), layers, c.model.experts),
                                       c.model.expert_weight_bytes(), c.run.gpu_memory_budget_bytes_per_layer,
                                       plan.errors, c.device.ndp.expert_weight_error_budget);
  return plan;
}

double format_rel_rms(const std::vector<FormatError>& errors, const std::string& format) {
  if (format == config::describe(config::WeightEncoding{})) return 0.0;
  for (const auto& e : errors) {
    if (config::describe(e.format) == format) return e.error.rel_rms();
  }
  throw std::invalid_argument("mixed precision: no error measured for " + format);
}

}  // namespace monde::system
