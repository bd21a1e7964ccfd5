// A two-ceiling roofline fitted to measured cuBLAS bf16 GEMM times. GpuProfile uses it only
// for the *shape* of expert time outside the measured token range (and, absolutely, for
// expert shapes never measured); see docs/gpu_backend.md, "Expert time".
#pragma once

#include <cstdint>
#include <vector>

namespace monde::gpu_backend {

// One measured GEMM: C[m x n] = A[m x k] B[k x n], bf16 in and out, fp32 compute. In expert
// terms m = tokens, n = output features, k = reduction length.
struct GemmPoint {
  std::uint64_t m = 0;
  std::uint64_t n = 0;
  std::uint64_t k = 0;
  double time_us = 0;
};

struct Roofline {
  double flops_per_s = 0;  // max over points of 2mnk / t
  double bytes_per_s = 0;  // max over points of 2(mk + kn + mn) / t
  double launch_s = 0;     // added once per kernel (from the profile's kernel_launch_us)

  // max(compute, memory) for a GEMM with the given operand bytes, plus one launch.
  double gemm_s(double m, double n, double k, double bytes) const;
  // The expert FFN as CudaBackend runs it: GEMM1 (n = d_ff, or 2 d_ff fused gate+up, fp32
  // out), the activation kernel (reads fp32, writes bf16), GEMM2 (n = d_model, bf16 out).
  double expert_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const;
};

// Throws std::invalid_argument if points is empty.
Roofline fit_roofline(const std::vector<GemmPoint>& points, double kernel_launch_us);

}  // namespace monde::gpu_backend
