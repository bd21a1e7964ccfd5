// Zipf-skewed routing: in each MoE layer the experts have popularity ranks r = 1..E, and the
// probability that an expert is in a token's top-k is proportional to r^-s (s = exponent).
//
// Inclusion probabilities: pi_r = c * r^-s with c such that sum(pi_r) = top_k. An expert cannot
// be chosen more than once per token, so a pi_r above 1 is capped at 1 and the excess spread over
// the others by recomputing c over the uncapped ranks, repeated until none exceeds 1 (only the
// most popular ranks are ever capped). s = 0 is uniform routing.
//
// Which expert holds which rank is a permutation drawn per layer from the seed (its own stream,
// separate from the token draws), so hot experts differ between layers as in real models, and
// the same seed always gives the same hot experts.
#pragma once

#include <cstdint>
#include <vector>

#include "host/moe/routing_source.hpp"

namespace monde::moe {

// pi by rank (index 0 = most popular), as described above. Needs 1 <= k <= experts, s >= 0.
std::vector<double> zipf_inclusion_probabilities(std::uint32_t experts, std::uint32_t k, double exponent);

class ZipfRoutingSource : public SampledRoutingSource {
 public:
  // exponent in [0, 16]; std::invalid_argument otherwise.
  ZipfRoutingSource(config::MoeModelConfig model, double exponent, std::uint64_t seed);
  const char* kind() const override { return "zipf"; }
  double exponent() const { return exponent_; }
  // expert_of_rank(layer)[r] is the expert with popularity rank r + 1 in that layer.
  std::vector<std::uint32_t> expert_of_rank(std::uint32_t layer) const;

 protected:
  SystematicSampler make_sampler(std::uint32_t layer) const override;

 private:
  double exponent_;
  std::uint64_t rank_seed_;
};

}  // namespace monde::moe
