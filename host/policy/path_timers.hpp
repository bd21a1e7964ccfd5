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
  // streaming_s: of expert_s, the time the expert streams weights through the resource it
  // shares with the GPU's weight copies (the NDP path: device DRAM; the CPU path: the CXL link).
  void add(double expert_s, double streaming_s = 0.0) {
    if (!used_) {
      time_s_ += fixed_s_;
      used_ = true;
    }
    time_s_ += expert_s;
    streaming_s_ += streaming_s;
  }
  double time_s() const { return time_s_; }
  double streaming_s() const { return streaming_s_; }
  bool used() const { return used_; }

 private:
  double fixed_s_;
  double time_s_ = 0.0;
  double streaming_s_ = 0.0;
  bool used_ = false;
};

// The GPU's weight copies share a resource of bandwidth B with a cold path's weight stream: the
// device DRAM with the NDP units (which stream at c = B), the CXL link (device to host) with the
// CPU's reads (at its own rate c). The copies go first: they stream at r from the layer's start
// for fetch_window_s, and meanwhile the cold path gets only a = B - r; when a < c every second
// it spends streaming stretches to c / a seconds. It streams for a share
// rho = streaming_s / path_s of its time (the rest, activations, descriptors, compute after each
// stream, is not slowed), so inside the window each of its seconds takes 1 + s,
// s = rho x (c - a) / a  (= rho x r / (B - r) for the NDP units, c = B):
//   path_s x (1 + s) <= fetch_window_s:  delay = path_s x s
//   otherwise (the copies end first):     delay = fetch_window_s x s / (1 + s)
// a >= c: not slowed (0). a <= 0 (the copies take all of it): s is unbounded and the delay is its
// limit, the whole window (0 when rho is 0). 0 when either path is empty or B is 0 (not
// modelled). The copies are taken as bound by their own path: their DMA window covers the
// queueing (gpu.dma_outstanding).
inline double shared_stream_delay_s(double path_s, double streaming_s, double fetch_window_s,
                                    double fetch_bytes_per_s, double shared_bytes_per_s, double stream_bytes_per_s) {
  if (!(shared_bytes_per_s > 0.0) || path_s <= 0.0 || fetch_window_s <= 0.0) return 0.0;
  const double rho = std::min(1.0, streaming_s / path_s);
  const double left = shared_bytes_per_s - fetch_bytes_per_s;
  if (!(rho > 0.0) || left >= stream_bytes_per_s) return 0.0;
  if (left <= 0.0) return fetch_window_s;
  const double s = rho * (stream_bytes_per_s - left) / left;
  return path_s * (1.0 + s) <= fetch_window_s ? path_s * s : fetch_window_s * s / (1.0 + s);
}

}  // namespace monde::policy
