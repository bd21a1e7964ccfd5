// Latency samples with exact percentiles. Keeps every sample (8 bytes each): exact values are
// what the formula tests assert, and a run of 10^7 transactions costs 80 MB at most.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace monde {

class LatencyStats {
 public:
  void add(std::uint64_t ps) {
    samples_.push_back(ps);
    sorted_ = false;
  }
  std::uint64_t count() const { return samples_.size(); }
  std::uint64_t min_ps() const;
  std::uint64_t max_ps() const;
  double mean_ps() const;
  // Nearest-rank percentile (p in (0, 100]): the smallest sample with at least p% of the
  // samples <= it. 0 when empty.
  std::uint64_t percentile_ps(double p) const;
  // {"count", "min_ns", "mean_ns", "p50_ns", "p95_ns", "p99_ns", "max_ns"}
  nlohmann::json to_json() const;

 private:
  void sort() const;
  mutable std::vector<std::uint64_t> samples_;
  mutable bool sorted_ = true;
};

}  // namespace monde
