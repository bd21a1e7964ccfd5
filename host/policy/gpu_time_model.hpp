// How long the GPU takes to run one expert FFN for a number of tokens. An interface, because
// the roofline below is only a first estimate: a model calibrated from measured GPU profiles
// plugs in through the same call.
#pragma once

#include <cstdint>

#include "host/policy/expert_shape.hpp"

namespace monde::policy {

class GpuTimeModel {
 public:
  virtual ~GpuTimeModel() = default;
  // Seconds to run `tokens` tokens through one expert whose weights are in GPU memory.
  // Zero tokens means the expert is not launched: 0 s.
  virtual double expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const = 0;
};

// time = launch + max(2 * macs / peak_flops, weight_bytes / hbm_bandwidth): the expert is
// either compute-bound (many tokens) or bound by streaming its weights out of HBM once
// (few tokens, the decode case).
class RooflineGpuTimeModel final : public GpuTimeModel {
 public:
  // Throws std::invalid_argument unless peak and bandwidth are > 0 and launch is >= 0.
  RooflineGpuTimeModel(double peak_tflops, double hbm_GBps, double launch_us);

  double expert_time_s(std::uint64_t tokens, const ExpertShape& shape) const override;

  double peak_flops_per_s() const { return peak_flops_per_s_; }
  double hbm_bytes_per_s() const { return hbm_bytes_per_s_; }
  double launch_s() const { return launch_s_; }

 private:
  double peak_flops_per_s_;
  double hbm_bytes_per_s_;
  double launch_s_;
};

}  // namespace monde::policy
