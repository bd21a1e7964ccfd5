#include "host/moe/systematic_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "host/moe/deterministic_random.hpp"

namespace monde::moe {

SystematicSampler::SystematicSampler(std::vector<std::uint64_t> weights, std::uint64_t unit)
    : weights_(std::move(weights)), unit_(unit), k_(0) {
  if (unit_ == 0) throw std::invalid_argument("SystematicSampler: unit must be at least 1");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    if (weights_[i] > unit_) {
      throw std::invalid_argument("SystematicSampler: item " + std::to_string(i) + " has weight " +
                                  std::to_string(weights_[i]) + " > unit " + std::to_string(unit_) +
                                  " (an inclusion probability above 1)");
    }
    sum += weights_[i];
  }
  if (sum == 0 || sum % unit_ != 0) {
    throw std::invalid_argument("SystematicSampler: weights sum to " + std::to_string(sum) +
                                ", not a positive multiple of unit " + std::to_string(unit_));
  }
  const std::uint64_t k = sum / unit_;
  if (k > weights_.size()) throw std::invalid_argument("SystematicSampler: sample size exceeds item count");
  k_ = static_cast<std::uint32_t>(k);
}

double SystematicSampler::inclusion_probability(std::uint32_t item) const {
  return static_cast<double>(weights_.at(item)) / static_cast<double>(unit_);
}

std::vector<std::uint32_t> SystematicSampler::draw(std::mt19937_64& rng) const {
  std::vector<std::uint32_t> order(weights_.size());
  std::iota(order.begin(), order.end(), 0u);
  shuffle_in_place(order, rng);
  std::vector<std::uint32_t> chosen;
  chosen.reserve(k_);
  std::uint64_t point = uniform_index(rng, unit_);  // u * unit; later points are unit apart
  std::uint64_t end = 0;                            // right end of the current interval
  for (std::uint32_t item : order) {
    end += weights_[item];
    // weight <= unit, so at most one point lies in [end - weight, end).
    if (point < end) {
      chosen.push_back(item);
      if (chosen.size() == k_) break;
      point += unit_;
    }
  }
  return chosen;
}

std::vector<std::uint64_t> to_integer_weights(const std::vector<double>& probabilities, std::uint32_t k,
                                              std::uint64_t unit) {
  if (k == 0 || k > probabilities.size() || unit == 0) {
    throw std::invalid_argument("to_integer_weights: need 1 <= k <= items and unit >= 1");
  }
  double sum = 0.0;
  for (double p : probabilities) {
    if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("to_integer_weights: probability outside [0, 1]");
    sum += p;
  }
  if (std::fabs(sum - k) > 1e-9 * k) {
    throw std::invalid_argument("to_integer_weights: probabilities sum to " + std::to_string(sum) + ", not k = " +
                                std::to_string(k));
  }
  const auto unit_d = static_cast<double>(unit);
  std::vector<std::uint64_t> w(probabilities.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < probabilities.size(); ++i) {
    const double scaled = probabilities[i] * unit_d;
    w[i] = std::min(unit, static_cast<std::uint64_t>(std::floor(scaled)));
    total += w[i];
    remainders.emplace_back(scaled - static_cast<double>(w[i]), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  const std::uint64_t target = std::uint64_t{k} * unit;
  for (std::size_t r = 0; total < target; r = (r + 1) % remainders.size()) {
    const std::size_t i = remainders[r].second;
    if (w[i] < unit) {
      ++w[i];
      ++total;
    }
  }
  while (total > target) {  // floor never overshoots; only a sum slightly above k can get here
    const auto it = std::max_element(w.begin(), w.end());
    --*it;
    --total;
  }
  return w;
}

}  // namespace monde::moe
