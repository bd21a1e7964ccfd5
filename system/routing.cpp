#include "system/routing.hpp"

#include <map>

#include "core/perf/step_plan.hpp"

#include "host/moe/routing_registry.hpp"
#include "system/full_data.hpp"

namespace monde::system {

std::unique_ptr<moe::RoutingSource> make_routing(const config::SystemConfig& c,
                                                 std::shared_ptr<const std::uint32_t> step) {
  const moe::RoutingSourceInfo* info = moe::find_routing_source(c.routing.source);
  if (info == nullptr) {
    throw config::ConfigError(c.source + ": key 'routing.source' = \"" + c.routing.source +
                              "\": unknown routing source; allowed " + moe::routing_names_text());
  }
  // The gate routes the activations full_data generates for (step, layer).
  const std::uint64_t seed = c.routing.seed;
  const std::uint32_t d_model = c.model.d_model;
  moe::GateRoutingSource::ActivationProvider activations = [step, seed, d_model](std::uint32_t layer,
                                                                                std::size_t tokens) {
    return widen(make_activations(tokens, d_model, seed, *step, layer));
  };
  return info->make(c, activations);
}

Routes route_experiment_tokens(const config::SystemConfig& c) {
  auto step = std::make_shared<std::uint32_t>(0);
  auto routing = make_routing(c, step);
  const auto layers = c.model.moe_layer_indices();
  const auto plan = perf::step_plan(c.model, c.run);
  Routes r(plan.size());
  for (std::uint32_t s = 0; s < plan.size(); ++s) {
    *step = s;
    for (const auto layer : layers) {
      r[s].push_back(plan[s].runs_layer(layer) ? routing->route(layer, plan[s].tokens()) : std::vector<moe::TokenRoute>{});
    }
  }
  return r;
}

Demand route_experiment(const config::SystemConfig& c) {
  const Routes routes = route_experiment_tokens(c);
  Demand d(routes.size());
  for (std::size_t s = 0; s < routes.size(); ++s) {
    for (const auto& layer : routes[s]) {
      d[s].push_back(layer.empty() ? std::vector<std::uint64_t>{} : moe::tokens_per_expert(layer, c.model.experts));
    }
  }
  return d;
}

Demand route_prompts(const config::SystemConfig& c) {
  config::SystemConfig prefill = c;
  prefill.run.phase = config::RunPhase::kPrefill;
  prefill.run.steps = 1;
  prefill.routing.seed = c.routing.seed ^ 0x9E3779B97F4A7C15ull;
  return route_experiment(prefill);
}

Demand route_calibration(const config::SystemConfig& c) {
  config::SystemConfig calibration = c;
  calibration.run.steps = 1;
  // generate calibrates on one of its decode steps (they are all but one of its steps).
  if (calibration.run.phase == config::RunPhase::kGenerate) calibration.run.phase = config::RunPhase::kDecode;
  // Another golden-ratio constant than the prompts' (sqrt(3) - 1, 64 bits), so the two draws differ.
  calibration.routing.seed = c.routing.seed ^ 0xBB67AE8584CAA73Bull;
  return route_experiment(calibration);
}

std::vector<std::vector<double>> run_popularity(const Demand& demand, std::size_t moe_layers, std::uint32_t experts) {
  std::vector<std::vector<double>> p(moe_layers, std::vector<double>(experts, 0.0));
  for (const auto& step : demand) {
    for (std::size_t l = 0; l < moe_layers; ++l) {
      for (std::size_t e = 0; e < step[l].size(); ++e) p[l][e] += double(step[l][e]);
    }
  }
  return p;
}

}  // namespace monde::system
