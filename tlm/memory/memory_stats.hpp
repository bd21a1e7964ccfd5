// The device memory's statistics as JSON, keys carrying their units (_ns, _bytes, _GBps,
// _entries): what the run outputs (stats.json) serialise.
#pragma once

#include <nlohmann/json.hpp>

#include "tlm/memory/dram_stats.hpp"
#include "core/stats/latency_histogram.hpp"

namespace monde::mem {

class MemoryTarget;
class DramSystem;

// {"count", "min_ns", "mean_ns", "p50_ns", "p95_ns", "p99_ns", "max_ns"}
nlohmann::json latency_json(const stats::LatencyHistogram& h);
nlohmann::json dram_stats_json(const DramChannelStats& s, double elapsed_ps);
// Transactions seen by the target, the whole DRAM, and each channel.
nlohmann::json memory_stats_json(const MemoryTarget& target);

}  // namespace monde::mem
