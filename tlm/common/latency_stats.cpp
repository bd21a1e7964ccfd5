#include "common/latency_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace monde {

void LatencyStats::sort() const {
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
}

std::uint64_t LatencyStats::min_ps() const {
  sort();
  return samples_.empty() ? 0 : samples_.front();
}

std::uint64_t LatencyStats::max_ps() const {
  sort();
  return samples_.empty() ? 0 : samples_.back();
}

double LatencyStats::mean_ps() const {
  if (samples_.empty()) return 0.0;
  long double sum = 0;
  for (auto s : samples_) sum += s;
  return static_cast<double>(sum / samples_.size());
}

std::uint64_t LatencyStats::percentile_ps(double p) const {
  if (samples_.empty()) return 0;
  sort();
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples_.size()));
  const auto idx = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(samples_.size()))) - 1;
  return samples_[idx];
}

nlohmann::json LatencyStats::to_json() const {
  auto ns = [](double ps) { return ps / 1000.0; };
  return {{"count", count()},
          {"min_ns", ns(static_cast<double>(min_ps()))},
          {"mean_ns", ns(mean_ps())},
          {"p50_ns", ns(static_cast<double>(percentile_ps(50)))},
          {"p95_ns", ns(static_cast<double>(percentile_ps(95)))},
          {"p99_ns", ns(static_cast<double>(percentile_ps(99)))},
          {"max_ns", ns(static_cast<double>(max_ps()))}};
}

}  // namespace monde
