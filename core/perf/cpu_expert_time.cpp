#include "core/perf/cpu_expert_time.hpp"

namespace monde::perf {

CpuExpertTime cpu_expert_time(const ExpertShape& shape, std::uint64_t tokens, double read_bytes_per_s,
                              double flops_per_s, double activation_bytes_per_s) {
  const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  CpuExpertTime t;
  t.read_s = d(shape.weight_bytes()) / read_bytes_per_s;
  t.compute_s = 2.0 * d(shape.macs_per_token()) * d(tokens) / flops_per_s;
  t.io_s = 2.0 * d(shape.activation_bytes_per_token()) * d(tokens) / activation_bytes_per_s;
  return t;
}

}  // namespace monde::perf
