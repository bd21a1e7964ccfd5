// Running time of each execution path as experts are added to it one at a time. The
// evaluator, the hot/cold split and the oracle all build their paths with these, in the
// same expert order, so that equal placements get bit-identical times.
#pragma once

#include <algorithm>

namespace monde::policy {

// The GPU path is a two-stage pipeline: the link copies expert i+1's weights while the GPU
// computes expert i. An expert's compute starts when both its weights have arrived and the
// previous expert's compute is done. Resident experts (transfer 0) need no copy and start as
// soon as the GPU is free.
class GpuPipelineTimer {
 public:
  void add(double transfer_s, double compute_s) {
    double ready_s = 0.0;
    if (transfer_s > 0.0) {
      transfer_end_s_ += transfer_s;
      ready_s = transfer_end_s_;
    }
    compute_end_s_ = std::max(compute_end_s_, ready_s) + compute_s;
  }
  double makespan_s() const { return compute_end_s_; }

 private:
  double transfer_end_s_ = 0.0;
  double compute_end_s_ = 0.0;
};

// A cold path (NDP or CPU) runs its experts one after another: a fixed cost once the path
// is used at all, then each expert's own time.
class SerialPathTimer {
 public:
  explicit SerialPathTimer(double fixed_s) : fixed_s_(fixed_s) {}
  void add(double expert_s) {
    if (!used_) {
      time_s_ += fixed_s_;
      used_ = true;
    }
    time_s_ += expert_s;
  }
  double time_s() const { return time_s_; }

 private:
  double fixed_s_;
  double time_s_ = 0.0;
  bool used_ = false;
};

}  // namespace monde::policy
