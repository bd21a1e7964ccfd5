// The tolerance stated for GPU (cuBLAS) expert-FFN results against CpuReferenceBackend.
//
// Why these numbers (docs/gpu_backend.md has the full argument): both sides accumulate in fp32
// but in different orders, so the pre-activation values differ by a few fp32 ulps. When such
// a value lies next to a bf16 rounding boundary, the two sides round h to adjacent bf16
// values: one bf16 ulp, at most 2^-7 of |h| (8 significant bits). Through the down projection
// that moves y by at most 2^-7 * sum_j |h_j| |W_down_ij| =: 2^-7 * A. The final rounding of y
// to bf16 can then land on adjacent values: at most 2^-7 * |y|. fp32 sum-order error in both
// GEMMs (<= k * 2^-24 of the same absolute sums, under 2^-8 for k <= 2^16) is covered by
// doubling the absolute term. Hence, per element:
//   |y_gpu - y_ref| <= 2^-7 * |y_ref| + 2^-6 * A_max,   A_max = max over (t, i) of A.
#pragma once

#include <vector>

#include "host/gpu_backend/expert_job.hpp"

namespace monde::gpu_backend {

struct Tolerance {
  double rel = 0;
  double abs = 0;
};

inline constexpr double kGpuRelTol = 1.0 / 128.0;     // 2^-7: one bf16 ulp of y
inline constexpr double kGpuAbsFactor = 1.0 / 64.0;   // 2^-6 = 2 * 2^-7, times A_max

// A_max = max over tokens t and outputs i of sum_j |h[t][j]| * |W_down[i][j]| (fp64 sums).
double down_projection_abs_sum_max(const ExpertJob& job, const std::vector<bf16_bits>& h);

// The tolerance for one job, given the reference hidden activation (CpuReferenceBackend::hidden).
Tolerance gpu_tolerance(const ExpertJob& job, const std::vector<bf16_bits>& h_ref);

}  // namespace monde::gpu_backend
