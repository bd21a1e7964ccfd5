// DramChannel throughput: sequential streaming near the data-bus peak times the refresh
// factor, random traffic lower, refresh costing tRFC / tREFI.
//
// Configuration: tCK 1000 ps, 64-bit bus -> peak 8 B * 2 / 1 ns = 16 GB/s; BL8 = 64 B per
// burst = 4 ns of bus. 1024 columns / BL8 = 128 bursts per row, so a sequential stream needs
// one ACT per 128 bursts (row hit rate 127/128). The mapping puts bank_group just above the
// channel so consecutive lines alternate bank groups (tCCD_S = tBURST = 4: no bubbles).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/config/device_config.hpp"
#include "tlm/memory/address_map.hpp"
#include "tlm/memory/dram_channel.hpp"

namespace monde::mem {
namespace {

config::DramConfig config(std::uint64_t trefi, std::uint64_t trfc) {
  const std::string text = R"({
    "organization": {"channels": 1, "ranks": 1, "bank_groups": 4, "banks_per_group": 4, "rows": 16384,
                     "columns": 1024, "bus_width_bits": 64, "burst_length": 8},
    "timing": {"tck_ps": 1000, "tRCD": 10, "tRP": 12, "tRAS": 30, "tRL": 14, "tWL": 8, "tBURST": 4,
               "tCCD_S": 4, "tCCD_L": 6, "tRRD_S": 5, "tRRD_L": 7, "tFAW": 40, "tWTR_S": 3, "tWTR_L": 6,
               "tRTP": 5, "tWR": 12, "tREFI": )" + std::to_string(trefi) + R"(, "tRFC": )" + std::to_string(trfc) + R"(},
    "address_mapping": ["row", "rank", "bank", "column", "bank_group", "channel"],
    "page_policy": "open", "queues": {"read_depth": 32, "write_depth": 32}})";
  const auto j = config::parse_json_text(text, "bw.json");
  return config::parse_dram_config(config::ConfigNode(j, "bw.json"));
}

struct Result {
  double bandwidth;  // bytes / s
  double hit_rate;
  DramChannelStats stats;
};

// Closed loop: the read queue is refilled whenever it has room; n requests of 64 bytes.
Result stream(const config::DramConfig& cfg, bool random, std::uint64_t n) {
  DramChannel ch(cfg, 0);
  const std::uint64_t lines = AddressMap(cfg).capacity() / 64;
  std::mt19937_64 rng(7);
  std::vector<DramCompletion> out;
  std::uint64_t issued = 0, done = 0, t = 0;
  while (done < n) {
    while (issued < n && ch.can_accept(false)) {
      const std::uint64_t line = random ? rng() % lines : issued % lines;
      ch.push(DramRequest{issued++, line * 64, false, t});
    }
    t = ch.next_event_ps();
    out.clear();
    ch.advance_to(t, out);
    done += out.size();
  }
  return Result{static_cast<double>(n) * 64.0 / (static_cast<double>(t) * 1e-12), ch.stats().row_hit_rate(),
                ch.stats()};
}

TEST(DramChannelBandwidth, SequentialReadsNearPeakTimesRefreshFactor) {
  // tREFI 8000, tRFC 400: refresh factor 0.95; expected ~ 16 GB/s * 0.95 = 15.2 GB/s.
  const auto cfg = config(8000, 400);
  const auto r = stream(cfg, false, 400000);
  const double expected = cfg.peak_bandwidth_per_channel() * cfg.refresh_factor();
  EXPECT_GT(r.bandwidth, 0.95 * expected);
  EXPECT_LT(r.bandwidth, 1.0001 * expected);
  EXPECT_GT(r.hit_rate, 0.99);  // 127/128 under open page
  // Data bus busy time equals the bursts moved.
  EXPECT_EQ(r.stats.data_bus_busy_ps, 400000u * 4000u);
  EXPECT_EQ(r.stats.reads, 400000u);
  EXPECT_LE(r.stats.max_read_queue, 32u);
  EXPECT_GT(r.stats.avg_queue_occupancy(), 20.0);  // the loop keeps the queue nearly full
}

TEST(DramChannelBandwidth, RandomReadsAreSlowerWithFewRowHits) {
  const auto cfg = config(8000, 400);
  const auto seq = stream(cfg, false, 200000);
  const auto rnd = stream(cfg, true, 200000);
  EXPECT_LT(rnd.bandwidth, 0.9 * seq.bandwidth);
  EXPECT_LT(rnd.hit_rate, 0.05);  // 16384 rows per bank: hits are rare
  EXPECT_GT(rnd.stats.row_conflicts, 150000u);
  // Latency percentiles are ordered and the loaded latency exceeds the unloaded one.
  const auto& h = rnd.stats.read_latency_ps;
  EXPECT_LE(h.percentile(0.5), h.percentile(0.95));
  EXPECT_LE(h.percentile(0.95), h.percentile(0.99));
  EXPECT_GT(h.percentile(0.5), cfg.unloaded_read_latency_ps());
}

TEST(DramChannelBandwidth, RefreshCostsTrfcOverTrefi) {
  // Same stream with refresh off and with tRFC / tREFI = 800 / 8000 = 10 %.
  const auto off = stream(config(0, 800), false, 400000);
  const auto on = stream(config(8000, 800), false, 400000);
  const double loss = 1.0 - on.bandwidth / off.bandwidth;
  EXPECT_NEAR(loss, 800.0 / 8000.0, 0.01);
  EXPECT_GT(on.stats.refreshes, 0u);
  EXPECT_EQ(off.stats.refreshes, 0u);
}

}  // namespace
}  // namespace monde::mem
