#include "host/gpu_backend/roofline.hpp"

#include <algorithm>
#include <stdexcept>

namespace monde::gpu_backend {

double Roofline::gemm_s(double m, double n, double k, double bytes) const {
  return std::max(2.0 * m * n * k / flops_per_s, bytes / bytes_per_s) + launch_s;
}

double Roofline::expert_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const {
  const double t = static_cast<double>(tokens);
  const double dm = static_cast<double>(d_model);
  const double df = static_cast<double>(d_ff);
  const double n1 = gated ? 2.0 * df : df;
  const double gemm1 = gemm_s(t, n1, dm, 2.0 * (t * dm + n1 * dm) + 4.0 * t * n1);
  const double act = (4.0 * t * n1 + 2.0 * t * df) / bytes_per_s + launch_s;
  const double gemm2 = gemm_s(t, dm, df, 2.0 * (t * df + dm * df + t * dm));
  return gemm1 + act + gemm2;
}

Roofline fit_roofline(const std::vector<GemmPoint>& points, double kernel_launch_us) {
  if (points.empty()) {
    throw std::invalid_argument("fit_roofline: no GEMM points");
  }
  Roofline r;
  for (const auto& p : points) {
    const double m = static_cast<double>(p.m);
    const double n = static_cast<double>(p.n);
    const double k = static_cast<double>(p.k);
    const double t = p.time_us * 1e-6;
    r.flops_per_s = std::max(r.flops_per_s, 2.0 * m * n * k / t);
    r.bytes_per_s = std::max(r.bytes_per_s, 2.0 * (m * k + k * n + m * n) / t);
  }
  r.launch_s = kernel_launch_us * 1e-6;
  return r;
}

}  // namespace monde::gpu_backend
