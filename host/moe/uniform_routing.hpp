// Uniform routing: every expert of every MoE layer is in a token's top-k with probability
// top_k / experts, and every set of top_k distinct experts is equally likely (the sampler's
// shuffled order makes the draw symmetric in the experts). The balanced baseline.
#pragma once

#include <cstdint>

#include "host/moe/routing_source.hpp"

namespace monde::moe {

class UniformRoutingSource : public SampledRoutingSource {
 public:
  UniformRoutingSource(config::MoeModelConfig model, std::uint64_t seed);
  const char* kind() const override { return "uniform"; }

 protected:
  SystematicSampler make_sampler(std::uint32_t layer) const override;
};

}  // namespace monde::moe
