#include "tlm/memory/bandwidth_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/perf/bandwidth.hpp"

namespace monde::mem {

BandwidthModel::BandwidthModel(const config::DramConfig& cfg)
    : BandwidthModel(perf::bulk_dram_bytes_per_s(cfg), cfg.unloaded_read_latency_ps()) {}

BandwidthModel::BandwidthModel(double sustained_bytes_per_s, std::uint64_t latency_ps)
    : sustained_bps_(sustained_bytes_per_s),
      latency_ps_(latency_ps),
      ps_per_byte_(1e12L / static_cast<long double>(sustained_bps_)) {}

std::uint64_t BandwidthModel::stream_ps(std::uint64_t bytes) const {
  // long double keeps ps exact for transfers up to many GB (64-bit mantissa).
  const long double ps = static_cast<long double>(bytes) * 1e12L / static_cast<long double>(sustained_bps_);
  return static_cast<std::uint64_t>(std::ceil(ps));
}

std::uint64_t BandwidthModel::ceil_ps(long double x) {
  // ceil(x) for 0 <= x < 2^62 without x87 rounding-mode switches (a long double -> integer cast
  // reloads the control word twice, ceill is a libm call): start from the double nearest x,
  // whose integer part is within one of the answer below 2^53, and settle in long double, where
  // every integer below 2^64 is exact. Result: the n with n - 1 < x <= n. Signed integers
  // throughout: below 2^62 they convert with one instruction each way (unsigned 64-bit ones
  // take a branch and a fix-up on x86-64), to the same values.
  if (!(x < 0x1p62L)) return static_cast<std::uint64_t>(std::ceil(x));
  const double approx = static_cast<double>(x);
  std::int64_t n = approx > 0 ? static_cast<std::int64_t>(approx) : 0;
  while (static_cast<long double>(n) < x) ++n;
  while (n > 0 && static_cast<long double>(n - 1) >= x) --n;
  return static_cast<std::uint64_t>(n);
}

std::uint64_t BandwidthModel::completion_if_next(std::uint64_t start_ps, std::uint64_t bytes) const {
  const long double start = static_cast<long double>(static_cast<std::int64_t>(start_ps));
  const long double begin = std::max(start, busy_until_exact_);
  return ceil_ps(begin + static_cast<long double>(static_cast<std::int64_t>(bytes)) * ps_per_byte_) + latency_ps_;
}

std::uint64_t BandwidthModel::transfer(std::uint64_t start_ps, std::uint64_t bytes) {
  // The queue's end is kept in fractional ps, so that a stream of small transfers takes
  // exactly as long as one transfer of the same bytes (no per-call rounding drift), and each
  // call is a multiply-add rather than a division. Times and sizes stay far below 2^63, so
  // they convert as signed integers (the same values, one instruction each).
  const long double start = static_cast<long double>(static_cast<std::int64_t>(start_ps));
  const long double begin = std::max(start, busy_until_exact_);
  busy_until_exact_ = begin + static_cast<long double>(static_cast<std::int64_t>(bytes)) * ps_per_byte_;
  busy_until_ = ceil_ps(busy_until_exact_);
  bytes_ += bytes;
  return busy_until_ + latency_ps_;
}

}  // namespace monde::mem
