#include "host/policy/system_cost_model.hpp"

#include <stdexcept>
#include <string>

namespace monde::policy {

namespace {

void require_positive(double value, const char* field) {
  if (!(value > 0)) throw std::invalid_argument(std::string("SystemCostModel: ") + field + " must be > 0");
}

void require_non_negative(double value, const char* field) {
  if (!(value >= 0)) throw std::invalid_argument(std::string("SystemCostModel: ") + field + " must be >= 0");
}

}  // namespace

void validate(const SystemCostModel& m) {
  require_positive(m.device_to_gpu_bytes_per_s, "device_to_gpu_bytes_per_s");
  require_positive(m.host_to_device_bytes_per_s, "host_to_device_bytes_per_s");
  require_positive(m.device_to_host_bytes_per_s, "device_to_host_bytes_per_s");
  require_non_negative(m.link_latency_s, "link_latency_s");
  require_non_negative(m.gpu_host_copy.latency_s, "gpu_host_copy.latency_s");
  require_non_negative(m.gpu_host_copy.bytes_per_s, "gpu_host_copy.bytes_per_s");
  require_non_negative(m.shared_dram_bytes_per_s, "shared_dram_bytes_per_s");
  require_non_negative(m.shared_link_bytes_per_s, "shared_link_bytes_per_s");
  require_positive(m.cpu_weight_bytes_per_s, "cpu_weight_bytes_per_s");
  require_positive(m.cpu_flops_per_s, "cpu_flops_per_s");
  require_positive(m.gpu_host_activation_bytes_per_s, "gpu_host_activation_bytes_per_s");
  if (!m.gpu) throw std::invalid_argument("SystemCostModel: gpu time model is missing");
  if (!m.ndp) throw std::invalid_argument("SystemCostModel: ndp time model is missing");
  if (m.ndp_devices < 1 || m.ndp_devices > 16) {
    throw std::invalid_argument("SystemCostModel: ndp_devices = " + std::to_string(m.ndp_devices) +
                                " must be in 1..16");
  }
}

}  // namespace monde::policy
