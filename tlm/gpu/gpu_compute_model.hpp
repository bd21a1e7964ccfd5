// How long the GPU computes one expert FFN whose weights are already in HBM. An interface, so
// that the TLM GPU model charges compute the same way whether a measured calibration profile
// exists or not. No SystemC.
//
//   RooflineComputeModel: time = launch + max(2 * macs / peak_flops, weight_bytes / hbm_bandwidth)
//     macs = tokens * matrices * d_model * d_ff, weight_bytes = matrices * d_model * d_ff * 2 (bf16),
//     matrices = 3 gated (SwiGLU), 2 plain. The same formula as the placement policy's
//     RooflineGpuTimeModel (host/policy/gpu_time_model.hpp), so policy estimates and simulated
//     compute agree when fed the same numbers.
//   ProfileComputeModel: gpu_backend::GpuProfile::expert_time_s (host/gpu/gpu_profile.hpp): measured expert
//     points, interpolated; roofline fitted to measured GEMMs outside them.
// Zero tokens means the expert is not launched: 0 s in both.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "host/gpu_backend/gpu_profile.hpp"

namespace monde::gpu {

class GpuComputeModel {
 public:
  virtual ~GpuComputeModel() = default;
  // Seconds for `tokens` tokens through one expert (d_model, d_ff, gated), weights resident.
  virtual double expert_time_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const = 0;
  // "roofline" or "profile:<gpu name>", for stats and logs.
  virtual std::string describe() const = 0;
};

class RooflineComputeModel final : public GpuComputeModel {
 public:
  // Throws std::invalid_argument unless peak and bandwidth are > 0 and launch is >= 0.
  RooflineComputeModel(double peak_tflops, double hbm_GBps, double launch_us);

  double expert_time_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const override;
  std::string describe() const override { return "roofline"; }

  double peak_flops_per_s() const { return peak_flops_per_s_; }
  double hbm_bytes_per_s() const { return hbm_bytes_per_s_; }
  double launch_s() const { return launch_s_; }

 private:
  double peak_flops_per_s_;
  double hbm_bytes_per_s_;
  double launch_s_;
};

class ProfileComputeModel final : public GpuComputeModel {
 public:
  explicit ProfileComputeModel(gpu_backend::GpuProfile profile) : profile_(std::move(profile)) {}

  double expert_time_s(std::uint64_t tokens, std::uint64_t d_model, std::uint64_t d_ff, bool gated) const override {
    return profile_.expert_time_s(tokens, d_model, d_ff, gated);
  }
  std::string describe() const override { return "profile:" + profile_.gpu; }
  const gpu_backend::GpuProfile& profile() const { return profile_; }

 private:
  gpu_backend::GpuProfile profile_;
};

}  // namespace monde::gpu
