// Log-linear histogram of latencies in ps: fixed memory, O(1) record, percentiles within
// 1/64 (1.6 %) of the true value. Exact below 64 ps. Values are bucketed by their highest set
// bit and the next 6 bits (the HDR-histogram scheme), so a 100 ns latency is resolved to ~1.5 ns.
#pragma once

#include <array>
#include <cstdint>

namespace monde::stats {

class LatencyHistogram {
 public:
  void record(std::uint64_t v);
  void merge(const LatencyHistogram& o);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  // Smallest bucket upper bound covering fraction p (0..1] of the samples, clamped to max(); 0 if empty.
  std::uint64_t percentile(double p) const;

 private:
  static constexpr unsigned kSubBits = 6;
  static constexpr unsigned kSub = 1u << kSubBits;
  static constexpr unsigned kBuckets = (64 - kSubBits + 1) * kSub;
  static unsigned index_of(std::uint64_t v);
  static std::uint64_t upper_of(unsigned idx);

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  double sum_ = 0.0;
};

}  // namespace monde::stats
