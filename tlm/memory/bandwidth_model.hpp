// The `bandwidth` memory model: bulk transfers at a sustained bandwidth plus a fixed latency,
// for full-size runs where per-request DRAM timing would be too slow. O(1) per transfer.
//
//   done = start + unloaded_latency + bytes / sustained_bandwidth
//   sustained_bandwidth = peak_total * (1 - tRFC / tREFI) * efficiency
//   unloaded_latency    = (tRCD + tRL + tBURST) * tCK   (a read to a precharged bank)
//
// `efficiency` (memory.bandwidth_model.efficiency, default 0.9) stands for everything the
// timed model loses beyond refresh: row misses, bus turnarounds, bank conflicts. The presets
// set it from the timed model itself (see configs/device/*.json): the ratio of the timed
// model's sustained throughput for a large sequential read+write stream to peak * refresh.
//
// Queueing: one FIFO server for the whole device. A bulk transfer is interleaved over all
// channels by the address map (channel bits are the lowest), so it uses every channel at once
// and a second transfer waits for the first one's data to finish streaming. The latency part
// overlaps with the previous transfer (pipelined), only the streaming time is serialised.
#pragma once

#include <cstdint>

#include "core/config/dram_config.hpp"

namespace monde::mem {

class BandwidthModel {
 public:
  explicit BandwidthModel(const config::DramConfig& cfg);
  // The same server at a given sustained rate (bytes/s > 0) and latency (the host's DRAM,
  // tlm/memory/host_memory.hpp: perf::host_memory_bytes_per_s and host_memory.latency_ns).
  BandwidthModel(double sustained_bytes_per_s, std::uint64_t latency_ps);

  // Completion time of `bytes` issued at start_ps (bytes > 0), queued behind earlier transfers.
  std::uint64_t transfer(std::uint64_t start_ps, std::uint64_t bytes);
  // What transfer(start_ps, bytes) would return now, without queueing it: a lower bound on its
  // completion whatever is queued before it later (the queue's end only grows).
  std::uint64_t completion_if_next(std::uint64_t start_ps, std::uint64_t bytes) const;

  double sustained_bandwidth() const { return sustained_bps_; }  // bytes/s
  std::uint64_t unloaded_latency_ps() const { return latency_ps_; }
  // Time to stream `bytes` at the sustained bandwidth, rounded up to whole ps.
  std::uint64_t stream_ps(std::uint64_t bytes) const;
  std::uint64_t busy_until_ps() const { return busy_until_; }
  std::uint64_t bytes_transferred() const { return bytes_; }

 private:
  double sustained_bps_;
  std::uint64_t latency_ps_;
  static std::uint64_t ceil_ps(long double x);  // std::ceil(x) for x >= 0, faster
  long double ps_per_byte_;
  long double busy_until_exact_ = 0;
  std::uint64_t busy_until_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace monde::mem
