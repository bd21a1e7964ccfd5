// Counters of one DRAM channel (or, summed, of the whole device).
#pragma once

#include <cstdint>

#include "core/stats/latency_histogram.hpp"

namespace monde::mem {

struct DramChannelStats {
  std::uint64_t reads = 0;    // completed
  std::uint64_t writes = 0;   // completed
  // Per request, by the commands it needed: hit = column command only; miss = the bank was
  // closed (ACT); conflict = another row was open (PRE + ACT).
  std::uint64_t row_hits = 0;
  std::uint64_t row_misses = 0;
  std::uint64_t row_conflicts = 0;
  std::uint64_t activates = 0;
  std::uint64_t precharges = 0;  // explicit PRE/PREA commands (auto-precharge not counted)
  std::uint64_t refreshes = 0;
  std::uint64_t data_bus_busy_ps = 0;  // sum of burst durations
  stats::LatencyHistogram read_latency_ps;    // done_ps - arrival_ps
  stats::LatencyHistogram write_latency_ps;
  // Queue occupancy integrated over time (read + write queue), from time 0 to last_update_ps.
  double queue_occupancy_area = 0.0;  // entries * ps
  std::uint64_t last_update_ps = 0;
  unsigned max_read_queue = 0;
  unsigned max_write_queue = 0;

  double avg_queue_occupancy() const {
    return last_update_ps ? queue_occupancy_area / static_cast<double>(last_update_ps) : 0.0;
  }
  double row_hit_rate() const {
    const auto n = row_hits + row_misses + row_conflicts;
    return n ? static_cast<double>(row_hits) / static_cast<double>(n) : 0.0;
  }
  void merge(const DramChannelStats& o) {
    reads += o.reads;
    writes += o.writes;
    row_hits += o.row_hits;
    row_misses += o.row_misses;
    row_conflicts += o.row_conflicts;
    activates += o.activates;
    precharges += o.precharges;
    refreshes += o.refreshes;
    data_bus_busy_ps += o.data_bus_busy_ps;
    read_latency_ps.merge(o.read_latency_ps);
    write_latency_ps.merge(o.write_latency_ps);
    // Areas add (occupancy of the device = sum over channels); time span is the longest.
    queue_occupancy_area += o.queue_occupancy_area;
    if (o.last_update_ps > last_update_ps) last_update_ps = o.last_update_ps;
    max_read_queue += o.max_read_queue;
    max_write_queue += o.max_write_queue;
  }
};

}  // namespace monde::mem
