#include "host/gpu_backend/tolerance.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace monde::gpu_backend {

double down_projection_abs_sum_max(const ExpertJob& job, const std::vector<bf16_bits>& h) {
  validate(job);
  const std::size_t T = job.tokens;
  const std::size_t dm = job.d_model;
  const std::size_t df = job.d_ff;
  if (h.size() != T * df) {
    throw std::invalid_argument("down_projection_abs_sum_max: h has " + std::to_string(h.size()) +
                                " elements, expected tokens * d_ff = " + std::to_string(T * df));
  }
  std::vector<double> habs(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    habs[i] = std::fabs(static_cast<double>(bf16_to_float(h[i])));
  }
  std::vector<double> wabs(df);
  double best = 0;
  for (std::size_t i = 0; i < dm; ++i) {
    for (std::size_t j = 0; j < df; ++j) {
      wabs[j] = std::fabs(static_cast<double>(bf16_to_float(job.w_down[i * df + j])));
    }
    for (std::size_t t = 0; t < T; ++t) {
      double s = 0;
      const double* ht = habs.data() + t * df;
      for (std::size_t j = 0; j < df; ++j) {
        s += ht[j] * wabs[j];
      }
      if (!std::isnan(s)) {
        best = std::max(best, s);
      }
    }
  }
  return best;
}

Tolerance gpu_tolerance(const ExpertJob& job, const std::vector<bf16_bits>& h_ref) {
  return Tolerance{kGpuRelTol, kGpuAbsFactor * down_projection_abs_sum_max(job, h_ref)};
}

}  // namespace monde::gpu_backend
