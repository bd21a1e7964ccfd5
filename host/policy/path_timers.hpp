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
  // When the last weight copy ends: the copies run back to back from the layer's start.
  double transfer_end_s() const { return transfer_end_s_; }

 private:
  double transfer_end_s_ = 0.0;
  double compute_end_s_ = 0.0;
};

// A cold path (NDP or CPU) runs its experts one after another: a fixed cost once the path
// is used at all, then each expert's own time.
class SerialPathTimer {
 public:
  explicit SerialPathTimer(double fixed_s) : fixed_s_(fixed_s) {}
  // dram_busy_s: of expert_s, the time the path keeps the device DRAM streaming (NDP only).
  void add(double expert_s, double dram_busy_s = 0.0) {
    if (!used_) {
      time_s_ += fixed_s_;
      used_ = true;
    }
    time_s_ += expert_s;
    dram_busy_s_ += dram_busy_s;
  }
  double time_s() const { return time_s_; }
  double dram_busy_s() const { return dram_busy_s_; }

 private:
  double fixed_s_;
  double time_s_ = 0.0;
  double dram_busy_s_ = 0.0;
  bool used_ = false;
};

// The GPU's weight copies and the NDP units read the same device DRAM (bandwidth B). A copy
// streams at r (the link's rate, below B) from the layer's start for fetch_window_s; meanwhile the
// NDP units get only B - r, so every second they spend streaming weights stretches to
// B / (B - r) seconds. The NDP path streams for a share rho = dram_busy_s / ndp_path_s of its time
// (the rest, activations over CXL, descriptors and the tiles after each stream, is not slowed), so
// inside the window each of its seconds takes 1 + s, s = rho x r / (B - r):
//   ndp_path_s x (1 + s) <= fetch_window_s:  delay = ndp_path_s x s
//   otherwise (the copies end first):         delay = fetch_window_s x s / (1 + s)
// 0 when either path is empty or B is 0 (the model does not share a memory). The copies are
// taken as link-bound: their DMA window covers the DRAM queueing (gpu.dma_outstanding).
inline double shared_dram_delay_s(double ndp_path_s, double ndp_dram_busy_s, double fetch_window_s,
                                  double fetch_bytes_per_s, double dram_bytes_per_s) {
  if (!(dram_bytes_per_s > fetch_bytes_per_s) || ndp_path_s <= 0.0 || fetch_window_s <= 0.0) return 0.0;
  const double rho = std::min(1.0, ndp_dram_busy_s / ndp_path_s);
  const double s = rho * fetch_bytes_per_s / (dram_bytes_per_s - fetch_bytes_per_s);
  return ndp_path_s * (1.0 + s) <= fetch_window_s ? ndp_path_s * s : fetch_window_s * s / (1.0 + s);
}

}  // namespace monde::policy
