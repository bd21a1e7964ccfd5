// Where token-to-expert routing comes from. One interface, four kinds:
//   uniform  every expert equally likely               (uniform_routing.hpp)
//   zipf     skewed by expert popularity rank           (zipf_routing.hpp)
//   trace    measured per-layer histograms              (trace_routing.hpp)
//   gate     a gating network on activations            (gate_routing.hpp)
// The first three only decide which experts run (the load placement policies see); their
// weights are a documented constant. Only `gate` gives weights that mean something numerically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "core/config/model_config.hpp"
#include "host/moe/systematic_sampler.hpp"
#include "host/moe/token_route.hpp"

namespace monde::moe {

class RoutingSource {
 public:
  explicit RoutingSource(config::MoeModelConfig model);
  virtual ~RoutingSource() = default;
  RoutingSource(const RoutingSource&) = delete;
  RoutingSource& operator=(const RoutingSource&) = delete;

  virtual const char* kind() const = 0;
  const config::MoeModelConfig& model() const { return model_; }

  // Routes `tokens` tokens through transformer layer `layer`, which must be one of the model's
  // MoE layers (std::invalid_argument otherwise). Each route has top_k distinct experts.
  virtual std::vector<TokenRoute> route(std::uint32_t layer, std::size_t tokens) = 0;

 protected:
  void check_moe_layer(std::uint32_t layer) const;

 private:
  config::MoeModelConfig model_;
};

// The sampled kinds (uniform, zipf, trace): each MoE layer has fixed expert inclusion
// probabilities, and every token independently draws top_k distinct experts with them
// (SystematicSampler). The chosen experts are listed in ascending id order, each with weight
// 1/top_k: these sources model the load, not the numerics, and equal weights summing to 1 keep
// a combined output on the scale of one expert's output.
//
// Determinism: layer L draws from its own mt19937_64 seeded with stream_seed(seed, L), so a
// layer's routes depend only on the seed and on how many tokens were routed through that layer
// before, never on the order in which layers are visited.
class SampledRoutingSource : public RoutingSource {
 public:
  std::vector<TokenRoute> route(std::uint32_t layer, std::size_t tokens) override;
  // The inclusion probabilities used for `layer` (built on first use).
  const SystematicSampler& sampler(std::uint32_t layer);

 protected:
  SampledRoutingSource(config::MoeModelConfig model, std::uint64_t seed);
  // Builds the sampler for one MoE layer; its sample size must be top_k.
  virtual SystematicSampler make_sampler(std::uint32_t layer) const = 0;

 private:
  struct LayerState {
    SystematicSampler sampler;
    std::mt19937_64 rng;
  };
  LayerState& layer_state(std::uint32_t layer);

  std::uint64_t seed_;
  std::map<std::uint32_t, LayerState> layers_;
};

}  // namespace monde::moe
