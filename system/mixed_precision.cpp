#include "system/mixed_precision.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

#include "host/policy/pinned_set.hpp"
#include "system/routing.hpp"
#include "system/split_data.hpp"

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

void check_groups(std::uint32_t d_model, std::uint32_t d_ff, const config::WeightEncoding& f) {
  if (f.quantised() && (d_model % f.group_size != 0 || d_ff % f.group_size != 0)) {
    throw std::invalid_argument("mixed precision: group size " + std::to_string(f.group_size) +
                                " does not divide d_model " + std::to_string(d_model) + " and d_ff " +
                                std::to_string(d_ff));
  }
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
      check_groups(probe.d_model, probe.d_ff, f);
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

ExpertErrors measure_expert_errors(const config::MoeModelConfig& model,
                                   const std::vector<config::WeightEncoding>& formats, std::uint64_t seed) {
  const perf::DffSlice slice{0, std::min(model.d_ff, kProbeDff)};
  const config::MoeModelConfig sliced = slice_model(model, slice);
  // Everything the measurement reads: the shape, the layers (their indices seed the weights and
  // activations), the experts, the seed and the formats.
  std::string key = model.name + "/" + std::to_string(model.d_model) + "/" + std::to_string(model.d_ff) + "/" +
                    std::to_string(model.gated) + "/" + config::expert_activation_name(model.activation) + "/" +
                    std::to_string(model.experts) + "/" + std::to_string(seed);
  for (const std::uint32_t layer : model.moe_layer_indices()) key += "," + std::to_string(layer);
  for (const auto& f : formats) {
    check_groups(sliced.d_model, sliced.d_ff, f);
    key += "/" + config::describe(f);
  }
  static std::map<std::string, ExpertErrors> cache;
  std::lock_guard<std::mutex> lock(probe_mutex());
  const auto hit = cache.find(key);
  if (hit != cache.end()) return hit->second;
  ExpertErrors out;
  for (const std::uint32_t layer : model.moe_layer_indices()) {
    const std::vector<num::bf16_t> x = make_activations(kProbeTokens, model.d_model, seed, 0, layer);
    auto& experts = out.emplace_back();
    for (std::uint32_t e = 0; e < model.experts; ++e) {
      const ExpertWeights w = slice_expert_weights(model, make_expert_weights(model, seed, layer, e), slice);
      const std::vector<num::bf16_t> ref = golden_expert_output(sliced, w, x, kProbeTokens);
      auto& errors = experts.emplace_back();
      for (const auto& f : formats) {
        FormatError fe{f, {}};
        if (f.quantised()) {
          fe.error.add(golden_expert_output(sliced, ndp_operand_weights(sliced, w, f), x, kProbeTokens), ref);
        }
        errors.push_back(fe);
      }
    }
  }
  cache.emplace(key, out);
  return out;
}

perf::ExpertFormats choose_expert_formats(const std::vector<std::vector<double>>& popularity,
                                          std::uint64_t expert_weight_bytes, std::uint64_t gpu_budget_bytes,
                                          const ExpertErrors& candidates, double error_budget) {
  if (candidates.size() != popularity.size()) {
    throw std::invalid_argument("mixed precision: errors of " + std::to_string(candidates.size()) + " layers for " +
                                std::to_string(popularity.size()));
  }
  std::vector<std::vector<config::WeightEncoding>> f;
  for (std::size_t l = 0; l < popularity.size(); ++l) {
    const std::vector<bool> hot = policy::choose_pinned(popularity[l], expert_weight_bytes, gpu_budget_bytes);
    if (candidates[l].size() != popularity[l].size()) {
      throw std::invalid_argument("mixed precision: errors of " + std::to_string(candidates[l].size()) +
                                  " experts for " + std::to_string(popularity[l].size()) + " in MoE layer " +
                                  std::to_string(l));
    }
    std::vector<config::WeightEncoding> layer(popularity[l].size());  // bf16 unless a candidate fits
    for (std::size_t e = 0; e < layer.size(); ++e) {
      if (hot[e]) continue;
      for (const auto& c : candidates[l][e]) {
        if (c.error.rel_rms() <= error_budget) {
          layer[e] = c.format;
          break;
        }
      }
    }
    f.push_back(std::move(layer));
  }
  return perf::ExpertFormats(std::move(f));
}

perf::ExpertFormats choose_expert_formats(const std::vector<std::vector<double>>& popularity,
                                          std::uint64_t expert_weight_bytes, std::uint64_t gpu_budget_bytes,
                                          const std::vector<FormatError>& candidates, double error_budget) {
  // One probe stands for every expert: the same list for each.
  ExpertErrors every;
  for (const auto& layer : popularity) every.emplace_back(layer.size(), candidates);
  return choose_expert_formats(popularity, expert_weight_bytes, gpu_budget_bytes, every, error_budget);
}

ExpertFormatPlan expert_format_plan(const config::SystemConfig& c) {
  const std::size_t layers = c.model.moe_layer_indices().size();
  if (!c.device.ndp.mixed_expert_weights()) {
    return ExpertFormatPlan{perf::ExpertFormats(layers, c.model.experts, c.device.ndp.expert_weights()), {}, {}};
  }
  ExpertFormatPlan plan;
  const auto popularity = run_popularity(route_experiment(c), layers, c.model.experts);
  const double budget = c.device.ndp.expert_weight_error_budget;
  const std::uint64_t pinnable = c.run.gpu_memory_budget_bytes_per_layer;
  if (c.run.timing_only()) {
    plan.errors = measure_format_errors(c.model, c.device.ndp.mixed_candidates(), c.routing.seed);
    plan.formats = choose_expert_formats(popularity, c.model.expert_weight_bytes(), pinnable, plan.errors, budget);
  } else {
    plan.expert_errors = measure_expert_errors(c.model, c.device.ndp.mixed_candidates(), c.routing.seed);
    plan.formats =
        choose_expert_formats(popularity, c.model.expert_weight_bytes(), pinnable, plan.expert_errors, budget);
  }
  return plan;
}

double ExpertFormatPlan::chosen_rel_rms(std::size_t layer, std::size_t expert) const {
  const config::WeightEncoding& f = formats.of(layer, expert);
  if (!f.quantised()) return 0.0;
  if (expert_errors.empty()) return format_rel_rms(errors, config::describe(f));
  for (const auto& e : expert_errors.at(layer).at(expert)) {
    if (e.format == f) return e.error.rel_rms();
  }
  throw std::invalid_argument("mixed precision: no error measured for " + config::describe(f) + " of expert " +
                              std::to_string(expert) + " of MoE layer " + std::to_string(layer));
}

double format_rel_rms(const std::vector<FormatError>& errors, const std::string& format) {
  if (format == config::describe(config::WeightEncoding{})) return 0.0;
  for (const auto& e : errors) {
    if (config::describe(e.format) == format) return e.error.rel_rms();
  }
  throw std::invalid_argument("mixed precision: no error measured for " + format);
}

}  // namespace monde::system
