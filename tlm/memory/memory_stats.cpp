#include "tlm/memory/memory_stats.hpp"

#include "tlm/memory/memory_target.hpp"

namespace monde::mem {

nlohmann::json latency_json(const stats::LatencyHistogram& h) {
  auto ns = [](double ps) { return ps / 1000.0; };
  return {{"count", h.count()},
          {"min_ns", ns(static_cast<double>(h.min()))},
          {"mean_ns", ns(h.mean())},
          {"p50_ns", ns(static_cast<double>(h.percentile(0.50)))},
          {"p95_ns", ns(static_cast<double>(h.percentile(0.95)))},
          {"p99_ns", ns(static_cast<double>(h.percentile(0.99)))},
          {"max_ns", ns(static_cast<double>(h.max()))}};
}

nlohmann::json dram_stats_json(const DramChannelStats& s, double elapsed_ps) {
  return {{"reads", s.reads},
          {"writes", s.writes},
          {"row_hit_rate", s.row_hit_rate()},
          {"row_hits", s.row_hits},
          {"row_misses", s.row_misses},
          {"row_conflicts", s.row_conflicts},
          {"activates", s.activates},
          {"precharges", s.precharges},
          {"refreshes", s.refreshes},
          {"data_bus_busy_ns", static_cast<double>(s.data_bus_busy_ps) / 1000.0},
          {"data_bus_utilisation", elapsed_ps > 0 ? static_cast<double>(s.data_bus_busy_ps) / elapsed_ps : 0.0},
          {"avg_queue_occupancy_entries", s.avg_queue_occupancy()},
          {"max_read_queue_entries", s.max_read_queue},
          {"max_write_queue_entries", s.max_write_queue},
          {"read_latency", latency_json(s.read_latency_ps)},
          {"write_latency", latency_json(s.write_latency_ps)}};
}

nlohmann::json memory_stats_json(const MemoryTarget& target) {
  const auto& dram = target.dram();
  const auto total = dram.stats();
  const double elapsed_ps = static_cast<double>(total.last_update_ps);
  const double bytes_per_burst = static_cast<double>(dram.config().bytes_per_burst());
  nlohmann::json channels = nlohmann::json::array();
  for (unsigned i = 0; i < dram.num_channels(); ++i) {
    const auto& c = dram.channel(i).stats();
    auto j = dram_stats_json(c, elapsed_ps);
    j["channel"] = i;
    j["bandwidth_GBps"] = elapsed_ps > 0 ? static_cast<double>(c.reads + c.writes) * bytes_per_burst / (elapsed_ps * 1e-12) / 1e9 : 0.0;
    channels.push_back(j);
  }
  auto dram_json = dram_stats_json(total, elapsed_ps);
  dram_json["channels"] = channels;
  nlohmann::json out = {{"transactions",
           {{"bytes_read_bytes", target.bytes_read()},
            {"bytes_written_bytes", target.bytes_written()},
            {"address_errors", target.address_errors()},
            {"read_latency", latency_json(target.read_latency())},
            {"write_latency", latency_json(target.write_latency())}}},
          {"dram", dram_json}};
  // Only with poison injected: a run without faults reports what it always did.
  if (target.poison().enabled()) {
    out["poison"] = {{"poisoned_reads", target.poison().poisoned_reads()},
                     {"poisoned_lines", target.poison().poisoned_lines()}};
  }
  return out;
}

}  // namespace monde::mem
