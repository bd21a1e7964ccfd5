#include "host/moe/gate_routing.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace monde::moe {

GateRoutingSource::GateRoutingSource(config::MoeModelConfig model, std::map<std::uint32_t, GatingNetwork> gates,
                                     ActivationProvider activations)
    : RoutingSource(std::move(model)), gates_(std::move(gates)), activations_(std::move(activations)) {
  const config::MoeModelConfig& m = this->model();
  if (!activations_) throw std::invalid_argument("gate routing: no activation provider");
  for (std::uint32_t layer : m.moe_layer_indices()) {
    const auto it = gates_.find(layer);
    if (it == gates_.end()) {
      throw std::invalid_argument("gate routing for " + m.name + ": no gating network for MoE layer " +
                                  std::to_string(layer));
    }
    const GatingNetwork& g = it->second;
    if (g.d_model() != m.d_model || g.experts() != m.experts || g.top_k() != m.top_k) {
      throw std::invalid_argument("gate routing for " + m.name + ": layer " + std::to_string(layer) +
                                  " gate is d_model " + std::to_string(g.d_model()) + ", " +
                                  std::to_string(g.experts()) + " experts, top-" + std::to_string(g.top_k()) +
                                  "; the model has d_model " + std::to_string(m.d_model) + ", " +
                                  std::to_string(m.experts) + " experts, top-" + std::to_string(m.top_k));
    }
    if (g.router().normalize_topk != m.router.normalize_topk ||
        g.router().scaling_factor != m.router.scaling_factor) {
      throw std::invalid_argument("gate routing for " + m.name + ": layer " + std::to_string(layer) +
                                  " gate uses a different weight convention (normalize_topk, scaling_factor) "
                                  "than the model's router");
    }
  }
  for (const auto& [layer, g] : gates_) {
    if (!m.is_moe_layer(layer)) {
      throw std::invalid_argument("gate routing for " + m.name + ": gating network given for layer " +
                                  std::to_string(layer) + ", which is not a MoE layer");
    }
  }
}

std::vector<TokenRoute> GateRoutingSource::route(std::uint32_t layer, std::size_t tokens) {
  check_moe_layer(layer);
  return gates_.at(layer).route_batch(activations_(layer, tokens), tokens);
}

}  // namespace monde::moe
