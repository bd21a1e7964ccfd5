#include "core/perf/roofline.hpp"

#include <algorithm>
#include <stdexcept>

namespace monde::perf {

double Roofline::kernel_s(double flops, double bytes) const {
  return std::max(flops / flops_per_s, bytes / bytes_per_s) + launch_s;
}

double Roofline::expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const {
  if (tokens == 0) return 0.0;
  const double flops = 2.0 * static_cast<double>(shape.macs_per_token()) * static_cast<double>(tokens);
  return kernel_s(flops, static_cast<double>(shape.weight_bytes()));
}

double Roofline::backend_expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const {
  if (tokens == 0) return 0.0;
  const double t = static_cast<double>(tokens);
  const double dm = static_cast<double>(shape.d_model);
  const double df = static_cast<double>(shape.d_ff);
  const double n1 = shape.gated ? 2.0 * df : df;
  // GEMM1: x [t x dm] bf16 times the fused gate+up [n1 x dm] bf16, fp32 out.
  const double gemm1 = kernel_s(2.0 * t * n1 * dm, 2.0 * (t * dm + n1 * dm) + 4.0 * t * n1);
  // Activation: reads the fp32 GEMM1 output, writes bf16 h [t x df]; no flops worth counting.
  const double act = kernel_s(0.0, 4.0 * t * n1 + 2.0 * t * df);
  // GEMM2: h [t x df] times down [dm x df], bf16 out.
  const double gemm2 = kernel_s(2.0 * t * dm * df, 2.0 * (t * df + dm * df + t * dm));
  return gemm1 + act + gemm2;
}

Roofline datasheet_roofline(double peak_tflops, double hbm_GBps, double launch_us) {
  Roofline r{peak_tflops * 1e12, hbm_GBps * 1e9, launch_us * 1e-6};
  // Written as !(x > 0) so that NaN is rejected too.
  if (!(r.flops_per_s > 0) || !(r.bytes_per_s > 0) || !(r.launch_s >= 0)) {
    throw std::invalid_argument("roofline: peak_tflops and hbm_GBps must be > 0, launch_us >= 0");
  }
  return r;
}

Roofline fit_roofline(const std::vector<config::GemmPoint>& points, double kernel_launch_us) {
  if (points.empty()) throw std::invalid_argument("fit_roofline: no GEMM points");
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

}  // namespace monde::perf
