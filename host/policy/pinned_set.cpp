#include "host/policy/pinned_set.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace monde::policy {

std::vector<bool> choose_pinned(const std::vector<double>& score, std::uint64_t weight_bytes,
                                std::uint64_t budget_bytes) {
  if (weight_bytes == 0) throw std::invalid_argument("choose_pinned: weight_bytes must be > 0");
  for (std::size_t i = 0; i < score.size(); ++i) {
    if (!std::isfinite(score[i]) || score[i] < 0) {
      throw std::invalid_argument("choose_pinned: score of expert " + std::to_string(i) +
                                  " must be finite and >= 0");
    }
  }
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });

  const std::uint64_t slots = budget_bytes / weight_bytes;
  std::vector<bool> pinned(score.size(), false);
  for (std::size_t k = 0; k < order.size() && k < slots && score[order[k]] > 0; ++k) pinned[order[k]] = true;
  return pinned;
}

}  // namespace monde::policy
