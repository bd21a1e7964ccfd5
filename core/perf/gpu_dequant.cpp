#include "core/perf/gpu_dequant.hpp"

namespace monde::perf {

KernelWork gpu_dequant_kernel(const ExpertShape& shape) {
  if (!shape.gpu_fetch_quantised()) return {};
  const auto weights = static_cast<double>(shape.macs_per_token());  // matrices x d_model x d_ff
  return KernelWork{2.0 * weights, static_cast<double>(shape.ndp_weight_bytes() + shape.weight_bytes())};
}

double gpu_dequant_time_s(const GpuTimeModel& gpu, const ExpertShape& shape) {
  return kernel_time_s(gpu, gpu_dequant_kernel(shape));
}

}  // namespace monde::perf
