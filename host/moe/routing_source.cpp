#include "host/moe/routing_source.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "host/moe/deterministic_random.hpp"

namespace monde::moe {

RoutingSource::RoutingSource(config::MoeModelConfig model) : model_(std::move(model)) {}

void RoutingSource::check_moe_layer(std::uint32_t layer) const {
  if (!model_.is_moe_layer(layer)) {
    throw std::invalid_argument(std::string(kind()) + " routing for " + model_.name + ": layer " +
                                std::to_string(layer) + " is not a MoE layer (" + std::to_string(model_.layers) +
                                " layers, rule " + config::moe_layer_rule_name(model_.moe_layer_rule) + ")");
  }
}

SampledRoutingSource::SampledRoutingSource(config::MoeModelConfig model, std::uint64_t seed)
    : RoutingSource(std::move(model)), seed_(seed) {}

SampledRoutingSource::LayerState& SampledRoutingSource::layer_state(std::uint32_t layer) {
  check_moe_layer(layer);
  auto it = layers_.find(layer);
  if (it == layers_.end()) {
    SystematicSampler sampler = make_sampler(layer);
    if (sampler.sample_size() != model().top_k || sampler.items() != model().experts) {
      throw std::logic_error(std::string(kind()) + " routing: layer sampler draws " +
                             std::to_string(sampler.sample_size()) + " of " + std::to_string(sampler.items()) +
                             ", model needs " + std::to_string(model().top_k) + " of " +
                             std::to_string(model().experts));
    }
    it = layers_.emplace(layer, LayerState{std::move(sampler), std::mt19937_64(stream_seed(seed_, layer))}).first;
  }
  return it->second;
}

const SystematicSampler& SampledRoutingSource::sampler(std::uint32_t layer) { return layer_state(layer).sampler; }

std::vector<TokenRoute> SampledRoutingSource::route(std::uint32_t layer, std::size_t tokens) {
  LayerState& state = layer_state(layer);
  const float weight = 1.0f / static_cast<float>(model().top_k);
  std::vector<TokenRoute> routes(tokens);
  for (TokenRoute& r : routes) {
    r.experts = state.sampler.draw(state.rng);
    std::sort(r.experts.begin(), r.experts.end());
    r.weights.assign(r.experts.size(), weight);
  }
  return routes;
}

}  // namespace monde::moe
