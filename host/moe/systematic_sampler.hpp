// Random-order systematic sampling (Madow 1949; Goodman & Kish 1950): draws k DISTINCT items
// such that item i is included with probability exactly p_i, for any p_i in [0, 1] summing to k.
//
// Per draw: shuffle the item order, lay the items' intervals of length p_i end to end on [0, k),
// draw u uniformly in [0, 1) and take the items whose interval holds one of u, u+1, ..., u+k-1.
// Every point lands in some interval because the intervals fill [0, k) exactly; no interval holds
// two points because none is longer than 1; so the k items are distinct. A point falls in item
// i's interval with probability p_i whatever the order, which gives the inclusion probabilities.
// The shuffle does not change them; it randomises which items appear together (without it, items
// laid next to each other could never be chosen together).
//
// The probabilities are held as integers p_i = weight_i / unit and u is an integer in [0, unit),
// so the intervals tile [0, k * unit) exactly and no rounding can leave the last point uncovered.
// Measured traces have such weights already (count_i / tokens); other sources round theirs.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace monde::moe {

class SystematicSampler {
 public:
  // Needs weight_i <= unit and sum(weight_i) = k * unit for a whole k >= 1 with k <= items;
  // throws std::invalid_argument otherwise.
  SystematicSampler(std::vector<std::uint64_t> weights, std::uint64_t unit);

  std::uint32_t sample_size() const { return k_; }
  std::uint32_t items() const { return static_cast<std::uint32_t>(weights_.size()); }
  double inclusion_probability(std::uint32_t item) const;

  // The chosen items, in the shuffled line order.
  std::vector<std::uint32_t> draw(std::mt19937_64& rng) const;

 private:
  std::vector<std::uint64_t> weights_;
  std::uint64_t unit_;
  std::uint32_t k_;
};

// Rounds probabilities that sum to k (within 1e-9 * k) to integer weights over `unit` that sum to
// exactly k * unit: each p_i * unit is floored, and the units still missing go one each to the
// largest remainders (ties to the lower index) without any weight exceeding unit.
std::vector<std::uint64_t> to_integer_weights(const std::vector<double>& probabilities, std::uint32_t k,
                                              std::uint64_t unit);

}  // namespace monde::moe
