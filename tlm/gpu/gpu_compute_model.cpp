#include "tlm/gpu/gpu_compute_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace monde::gpu {

RooflineComputeModel::RooflineComputeModel(double peak_tflops, double hbm_GBps, double launch_us)
    : peak_flops_per_s_(peak_tflops * 1e12), hbm_bytes_per_s_(hbm_GBps * 1e9), launch_s_(launch_us * 1e-6) {
  // Written as !(x > 0) so that NaN is rejected too.
  if (!(peak_flops_per_s_ > 0) || !(hbm_bytes_per_s_ > 0) || !(launch_s_ >= 0)) {
    throw std::invalid_argument("RooflineComputeModel: peak_tflops and hbm_GBps must be > 0, launch_us >= 0");
  }
}

double RooflineComputeModel::expert_time_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff,
                                           bool gated) const {
  if (tokens == 0) return 0.0;
  const double matrices = gated ? 3.0 : 2.0;
  const double params = matrices * static_cast<double>(d_model) * static_cast<double>(d_ff);
  const double compute_s = 2.0 * params * static_cast<double>(tokens) / peak_flops_per_s_;
  const double weights_s = params * 2.0 /* bf16 bytes */ / hbm_bytes_per_s_;
  return launch_s_ + std::max(compute_s, weights_s);
}

}  // namespace monde::gpu
