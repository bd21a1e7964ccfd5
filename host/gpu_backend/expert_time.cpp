// GpuProfile::expert_time_s: interpolation between measured expert points, roofline outside.
#include <algorithm>
#include <iterator>
#include <map>

#include "host/gpu_backend/gpu_profile.hpp"

namespace monde::gpu_backend {

Roofline GpuProfile::roofline() const { return fit_roofline(gemm_bf16, kernel_launch_us); }

double GpuProfile::expert_time_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const {
  if (tokens == 0) {
    return 0.0;
  }
  // Measured times of this shape by token count (the parser rejects duplicates).
  std::map<std::uint64_t, double> pts;
  for (const auto& e : expert_ffn) {
    if (e.d_model == d_model && e.d_ff == d_ff && e.gated == gated) {
      pts[e.tokens] = e.time_us * 1e-6;
    }
  }
  const Roofline r = roofline();
  if (pts.empty()) {
    return r.expert_s(tokens, d_model, d_ff, gated);
  }
  const auto first = pts.begin();
  const auto last = std::prev(pts.end());
  if (tokens < first->first || tokens > last->first) {
    const auto& edge = tokens < first->first ? *first : *last;
    return edge.second * r.expert_s(tokens, d_model, d_ff, gated) / r.expert_s(edge.first, d_model, d_ff, gated);
  }
  const auto hi = pts.lower_bound(tokens);  // first measured count >= tokens
  if (hi->first == tokens) {
    return hi->second;
  }
  const auto lo = std::prev(hi);
  const double f = static_cast<double>(tokens - lo->first) / static_cast<double>(hi->first - lo->first);
  return lo->second + f * (hi->second - lo->second);
}

}  // namespace monde::gpu_backend
