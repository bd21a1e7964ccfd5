// The roofline: a kernel takes max(flops / compute rate, bytes / memory rate) plus one launch.
// One formula, two ways of cutting an expert FFN into kernels:
//   expert_time_s:          the whole expert as one kernel that streams its weights once
//                           (launch + max(2 x macs / flops, weight_bytes / bytes_per_s)): the
//                           configured GPU roofline (gpu.roofline), datasheet numbers;
//   backend_expert_time_s:  the three kernels the CUDA backend runs (GEMM1 with gate and up
//                           fused, the activation, GEMM2) with their operand bytes: the shape
//                           of a measured profile outside its measured points (gpu_time_model.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/gpu_profile.hpp"
#include "core/perf/expert_shape.hpp"

namespace monde::perf {

struct Roofline {
  double flops_per_s = 0;
  double bytes_per_s = 0;
  double launch_s = 0;  // added once per kernel

  double kernel_s(double flops, double bytes) const;
  // 0 for 0 tokens (not launched).
  double expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const;
  double backend_expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const;
};

// The configured roofline (peak TFLOP/s, HBM GB/s, launch us per expert). Throws
// std::invalid_argument unless peak and bandwidth are > 0 and launch >= 0.
Roofline datasheet_roofline(double peak_tflops, double hbm_GBps, double launch_us);

// Fitted to measured GEMMs: the highest 2mnk / t and 2(mk + kn + mn) / t over the points.
// Throws std::invalid_argument if points is empty.
Roofline fit_roofline(const std::vector<config::GemmPoint>& points, double kernel_launch_us);

}  // namespace monde::perf
