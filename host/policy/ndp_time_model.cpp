#include "host/policy/ndp_time_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace monde::policy {

BoundNdpTime::BoundNdpTime(double dram_bytes_per_s, double macs_per_s, double job_overhead_s, std::uint32_t token_block)
    : dram_bytes_per_s_(dram_bytes_per_s), macs_per_s_(macs_per_s), job_overhead_s_(job_overhead_s),
      token_block_(token_block) {
  // Written as !(x > 0) so that NaN is rejected too.
  if (!(dram_bytes_per_s_ > 0) || !(macs_per_s_ > 0) || !(job_overhead_s_ >= 0) || token_block_ == 0) {
    throw std::invalid_argument("BoundNdpTime: DRAM and MAC rates must be > 0, the overhead >= 0, token_block >= 1");
  }
}

perf::NdpExpertTime BoundNdpTime::expert_time(std::uint64_t tokens, const perf::ExpertShape& shape) const {
  perf::NdpExpertTime t;
  if (tokens == 0) return t;
  const double stream_s = static_cast<double>(shape.ndp_weight_bytes()) / dram_bytes_per_s_;
  const std::uint64_t slots = (tokens + token_block_ - 1) / token_block_ * token_block_;  // token rows spent
  const double mac_s = static_cast<double>(shape.macs_per_token()) * static_cast<double>(slots) / macs_per_s_;
  t.time_s = std::max(stream_s, mac_s) + job_overhead_s_;
  t.dram_busy_s = stream_s;
  t.dram_bytes = shape.ndp_weight_bytes();
  t.jobs = 1;
  return t;
}

}  // namespace monde::policy
