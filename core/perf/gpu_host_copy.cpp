#include "core/perf/gpu_host_copy.hpp"

namespace monde::perf {

double GpuHostCopy::time_s(double bytes) const {
  if (bytes <= 0 || bytes_per_s <= 0) return 0.0;
  return latency_s + bytes / bytes_per_s;
}

GpuHostCopy gpu_host_copy(const config::GpuConfig& gpu) {
  return GpuHostCopy{gpu.host_copy_latency_us * 1e-6, gpu.pcie.data_bytes_per_s()};
}

}  // namespace monde::perf
