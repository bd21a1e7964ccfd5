#include "host/moe/zipf_routing.hpp"

#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "host/moe/deterministic_random.hpp"

namespace monde::moe {

namespace {

// Probabilities become integer weights over 2^32 for the sampler: each pi is off by < 2^-32.
constexpr std::uint64_t kWeightUnit = std::uint64_t{1} << 32;
// Tags the rank-permutation streams so that they never coincide with the token-draw streams.
constexpr std::uint64_t kRankStream = 0x7A6970665F72616Bull;

}  // namespace

std::vector<double> zipf_inclusion_probabilities(std::uint32_t experts, std::uint32_t k, double exponent) {
  if (k == 0 || k > experts) throw std::invalid_argument("zipf: need 1 <= top_k <= experts");
  if (!(exponent >= 0.0)) throw std::invalid_argument("zipf: exponent must be >= 0");
  std::vector<double> w(experts);
  for (std::uint32_t r = 0; r < experts; ++r) w[r] = std::pow(static_cast<double>(r + 1), -exponent);
  std::vector<double> pi(experts, 0.0);
  // Weights fall with rank, so the capped experts are always a prefix of the ranks.
  std::uint32_t capped = 0;
  while (true) {
    double rest = 0.0;
    for (std::uint32_t r = capped; r < experts; ++r) rest += w[r];
    const double c = static_cast<double>(k - capped) / rest;
    if (capped < k && c * w[capped] > 1.0) {
      pi[capped++] = 1.0;
      continue;
    }
    for (std::uint32_t r = capped; r < experts; ++r) pi[r] = c * w[r];
    return pi;
  }
}

ZipfRoutingSource::ZipfRoutingSource(config::MoeModelConfig model, double exponent, std::uint64_t seed)
    : SampledRoutingSource(std::move(model), seed), exponent_(exponent), rank_seed_(stream_seed(seed, kRankStream)) {
  if (!(exponent >= 0.0 && exponent <= 16.0)) {
    throw std::invalid_argument("zipf routing: exponent " + std::to_string(exponent) + " out of range (allowed 0 .. 16)");
  }
}

std::vector<std::uint32_t> ZipfRoutingSource::expert_of_rank(std::uint32_t layer) const {
  std::vector<std::uint32_t> perm(model().experts);
  std::iota(perm.begin(), perm.end(), 0u);
  std::mt19937_64 rng(stream_seed(rank_seed_, layer));
  shuffle_in_place(perm, rng);
  return perm;
}

SystematicSampler ZipfRoutingSource::make_sampler(std::uint32_t layer) const {
  const std::vector<double> pi = zipf_inclusion_probabilities(model().experts, model().top_k, exponent_);
  const std::vector<std::uint64_t> by_rank = to_integer_weights(pi, model().top_k, kWeightUnit);
  const std::vector<std::uint32_t> expert = expert_of_rank(layer);
  std::vector<std::uint64_t> weights(model().experts);
  for (std::size_t r = 0; r < by_rank.size(); ++r) weights[expert[r]] = by_rank[r];
  return SystematicSampler(std::move(weights), kWeightUnit);
}

}  // namespace monde::moe
