#include "core/stats/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace monde::stats {

unsigned LatencyHistogram::index_of(std::uint64_t v) {
  if (v < kSub) return static_cast<unsigned>(v);
  const unsigned msb = 63u - static_cast<unsigned>(__builtin_clzll(v));
  const unsigned shift = msb - kSubBits;  // keep kSubBits bits below the leading one
  const unsigned sub = static_cast<unsigned>((v >> shift) & (kSub - 1));
  return (shift + 1) * kSub + sub;
}

std::uint64_t LatencyHistogram::upper_of(unsigned idx) {
  if (idx < kSub) return idx;
  const unsigned shift = idx / kSub - 1;
  const std::uint64_t sub = idx % kSub;
  const std::uint64_t lo = (std::uint64_t{kSub} + sub) << shift;
  return lo + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(std::uint64_t v) {
  ++counts_[index_of(v)];
  ++count_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  sum_ += static_cast<double>(v);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  sum_ += o.sum_;
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  const auto target = static_cast<std::uint64_t>(std::ceil(std::clamp(p, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= std::max<std::uint64_t>(target, 1)) return std::min(upper_of(i), max_);
  }
  return max_;
}

}  // namespace monde::stats
