#include "core/perf/gpu_time_model.hpp"

#include <iterator>

namespace monde::perf {

ProfileGpuTime::ProfileGpuTime(config::GpuProfile profile)
    : profile_(std::move(profile)), roofline_(fit_roofline(profile_.gemm_bf16, profile_.kernel_launch_us)) {
  // The parser rejects duplicate (shape, tokens) points.
  for (const auto& e : profile_.expert_ffn) points_[{e.d_model, e.d_ff, e.gated}][e.tokens] = e.time_us * 1e-6;
}

double ProfileGpuTime::expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const {
  if (tokens == 0) return 0.0;
  const Roofline& r = roofline_;
  const auto shape_points = points_.find({shape.d_model, shape.d_ff, shape.gated});
  if (shape_points == points_.end()) return r.backend_expert_time_s(tokens, shape);
  const auto& pts = shape_points->second;
  const auto first = pts.begin();
  const auto last = std::prev(pts.end());
  if (tokens < first->first || tokens > last->first) {
    const auto& edge = tokens < first->first ? *first : *last;
    return edge.second * r.backend_expert_time_s(tokens, shape) / r.backend_expert_time_s(edge.first, shape);
  }
  const auto hi = pts.lower_bound(tokens);  // first measured count >= tokens
  if (hi->first == tokens) return hi->second;
  const auto lo = std::prev(hi);
  const double f = static_cast<double>(tokens - lo->first) / static_cast<double>(hi->first - lo->first);
  return lo->second + f * (hi->second - lo->second);
}

std::shared_ptr<const GpuTimeModel> make_gpu_time_model(const config::GpuConfig& gpu) {
  if (gpu.profile) return std::make_shared<ProfileGpuTime>(*gpu.profile);
  const auto& r = gpu.roofline;
  return std::make_shared<RooflineGpuTime>(datasheet_roofline(r.peak_tflops, r.hbm_GBps, r.launch_us));
}

}  // namespace monde::perf
