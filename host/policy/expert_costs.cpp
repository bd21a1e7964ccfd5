#include "host/policy/expert_costs.hpp"

#include <algorithm>

namespace monde::policy {

namespace {

double as_double(std::uint64_t v) { return static_cast<double>(v); }

double activation_bytes(const ExpertShape& shape, std::uint64_t tokens) {
  return as_double(shape.activation_bytes_per_token()) * as_double(tokens);
}

}  // namespace

double fetch_time_s(const SystemCostModel& m, const ExpertShape& shape) {
  return m.link_latency_s + as_double(shape.weight_bytes()) / m.device_to_gpu_bytes_per_s;
}

double gpu_compute_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return m.gpu->expert_time_s(tokens, shape);
}

double ndp_job_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return m.ndp->expert_time(tokens, shape).time_s;
}

double ndp_dram_busy_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  return m.ndp->expert_time(tokens, shape).dram_busy_s;
}

double ndp_expert_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  const double in_s = activation_bytes(shape, tokens) / m.host_to_device_bytes_per_s;
  const double out_s = activation_bytes(shape, tokens) / m.device_to_host_bytes_per_s;
  return in_s + ndp_job_time_s(m, shape, tokens) + out_s;
}

double ndp_fixed_time_s(const SystemCostModel& m) { return 2.0 * m.link_latency_s; }

double cpu_expert_time_s(const SystemCostModel& m, const ExpertShape& shape, std::uint64_t tokens) {
  const double read_s = as_double(shape.weight_bytes()) / m.cpu_weight_bytes_per_s;
  const double flop_s = 2.0 * as_double(shape.macs_per_token()) * as_double(tokens) / m.cpu_flops_per_s;
  const double io_s = 2.0 * activation_bytes(shape, tokens) / m.gpu_host_activation_bytes_per_s;
  return std::max(read_s, flop_s) + io_s;
}

double cpu_fixed_time_s(const SystemCostModel& m) { return 2.0 * m.link_latency_s; }

}  // namespace monde::policy
