// How long the GPU takes to run one expert FFN whose weights are in its memory: the one model
// the TLM GPU charges compute with and the placement policies plan with, so that prediction and
// simulation cannot drift.
//   roofline  Roofline::expert_time_s with the configured datasheet numbers (gpu.roofline);
//   profile   a measured profile (gpu.profile, written by monde-calibrate):
//               - measured points of the same (d_model, d_ff, gated): piecewise linear in tokens
//                 between the two neighbouring measured token counts;
//               - outside them: the nearest measured point scaled by the fitted roofline's ratio,
//                 t(T) = t(T_edge) * R(T) / R(T_edge), so the curve is continuous at the edge
//                 (R = Roofline::backend_expert_time_s fitted to the profile's GEMMs);
//               - a shape never measured: R(T) itself (optimistic: no overheads but launches).
// Zero tokens means the expert is not launched: 0 s in both.
// The transformer's other kernels (attention, projections, embedding, LM head:
// core/perf/transformer_work.hpp) are timed by kernel_time_s, the roofline of either model (the
// configured one, or the one fitted to the profile's GEMMs): launch + max(flops / peak, bytes / HBM).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "core/config/gpu_config.hpp"
#include "core/perf/expert_shape.hpp"
#include "core/perf/roofline.hpp"

namespace monde::perf {

class GpuTimeModel {
 public:
  virtual ~GpuTimeModel() = default;
  // Seconds for `tokens` tokens through one expert whose weights are in GPU memory.
  virtual double expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const = 0;
  // Seconds for one kernel of `flops` floating-point operations moving `bytes` through HBM.
  virtual double kernel_time_s(double flops, double bytes) const = 0;
  // "roofline" or "profile:<gpu name>", for stats and logs.
  virtual std::string describe() const = 0;
};

class RooflineGpuTime final : public GpuTimeModel {
 public:
  explicit RooflineGpuTime(Roofline r) : roofline_(r) {}
  double expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const override {
    return roofline_.expert_time_s(tokens, shape);
  }
  double kernel_time_s(double flops, double bytes) const override { return roofline_.kernel_s(flops, bytes); }
  std::string describe() const override { return "roofline"; }
  const Roofline& roofline() const { return roofline_; }

 private:
  Roofline roofline_;
};

class ProfileGpuTime final : public GpuTimeModel {
 public:
  // Throws std::invalid_argument for a profile without GEMM points.
  explicit ProfileGpuTime(config::GpuProfile profile);
  double expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const override;
  double kernel_time_s(double flops, double bytes) const override { return roofline_.kernel_s(flops, bytes); }
  std::string describe() const override { return "profile:" + profile_.gpu; }
  const config::GpuProfile& profile() const { return profile_; }
  const Roofline& roofline() const { return roofline_; }

 private:
  config::GpuProfile profile_;
  Roofline roofline_;  // fitted to profile_.gemm_bf16
  // The measured expert times, s, by shape (d_model, d_ff, gated) and token count, indexed once.
  std::map<std::tuple<std::uint64_t, std::uint64_t, bool>, std::map<std::uint64_t, double>> points_;
};

// The model the "gpu" section asks for: the profile when one is given, else the roofline.
std::shared_ptr<const GpuTimeModel> make_gpu_time_model(const config::GpuConfig& gpu);

}  // namespace monde::perf
