#include "host/policy/gpu_time_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace monde::policy {

RooflineGpuTimeModel::RooflineGpuTimeModel(double peak_tflops, double hbm_GBps, double launch_us)
    : peak_flops_per_s_(peak_tflops * 1e12), hbm_bytes_per_s_(hbm_GBps * 1e9), launch_s_(launch_us * 1e-6) {
  // Written as !(x > 0) so that NaN is rejected too.
  if (!(peak_flops_per_s_ > 0) || !(hbm_bytes_per_s_ > 0) || !(launch_s_ >= 0)) {
    throw std::invalid_argument("RooflineGpuTimeModel: peak_tflops and hbm_GBps must be > 0, launch_us >= 0");
  }
}

double RooflineGpuTimeModel::expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const {
  if (tokens == 0) return 0.0;
  const double flops = 2.0 * static_cast<double>(shape.macs_per_token()) * static_cast<double>(tokens);
  const double compute_s = flops / peak_flops_per_s_;
  const double weights_s = static_cast<double>(shape.weight_bytes()) / hbm_bytes_per_s_;
  return launch_s_ + std::max(compute_s, weights_s);
}

}  // namespace monde::policy
