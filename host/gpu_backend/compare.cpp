#include "host/gpu_backend/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace monde::gpu_backend {

std::string CompareStats::summary() const {
  std::ostringstream s;
  s << violations << " of " << n << " elements outside tolerance; max |err| " << max_abs_err << ", max rel err "
    << max_rel_err << ", worst element " << worst_index << " at " << worst_ratio << "x its allowance";
  return s.str();
}

CompareStats compare_bf16(const bf16_bits* got, const bf16_bits* ref, std::size_t n, double rel_tol,
                          double abs_tol) {
  CompareStats st;
  st.n = n;
  for (std::size_t i = 0; i < n; ++i) {
    const double g = bf16_to_float(got[i]);
    const double r = bf16_to_float(ref[i]);
    double ratio = 0;
    if (std::isnan(g) || std::isnan(r) || std::isinf(g) || std::isinf(r)) {
      const bool same = (std::isnan(g) && std::isnan(r)) || g == r;
      ratio = same ? 0.0 : std::numeric_limits<double>::infinity();
    } else {
      const double err = std::fabs(g - r);
      st.max_abs_err = std::max(st.max_abs_err, err);
      if (r != 0) {
        st.max_rel_err = std::max(st.max_rel_err, err / std::fabs(r));
      }
      const double allowed = abs_tol + rel_tol * std::fabs(r);
      if (err > allowed) {
        ratio = allowed > 0 ? err / allowed : std::numeric_limits<double>::infinity();
      } else {
        ratio = allowed > 0 ? err / allowed : 0.0;
      }
    }
    if (ratio > 1.0) {
      ++st.violations;
    }
    if (ratio > st.worst_ratio || i == 0) {
      st.worst_ratio = ratio;
      st.worst_index = i;
    }
  }
  return st;
}

}  // namespace monde::gpu_backend
